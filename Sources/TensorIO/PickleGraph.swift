import Foundation

/// The values the pickle interpreter works with. Unlike the public `PickleValue` tree, containers here are shared
/// mutable objects, because pickle builds them in place (a dict is created, memoised, then filled by SETITEMS) and
/// may reference one object from many places.
enum PickleNode {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes(Data)
    case list(PickleList)
    case set(PickleList)
    case tuple(PickleTuple)
    case dict(PickleDict)
    /// An `argparse.Namespace`: its attributes, presented as a dict.
    case namespace(PickleDict)
    /// An allow-listed global that has not been called (a class, a function, or a constant like `torch.float32`).
    case global(PickleGlobal)
    case storage(StorageReference)
    case tensor(TensorReference)
    case numpyDType(NumpyDType)
    case numpyArray(NumpyArray)
    /// An allow-listed object with no plain-data equivalent, e.g. `builtins.slice`.
    case object(PickleObject)

    var kindDescription: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int: return "an int"
        case .float: return "a float"
        case .string: return "a string"
        case .bytes: return "bytes"
        case .list: return "a list"
        case .set: return "a set"
        case .tuple: return "a tuple"
        case .dict: return "a dict"
        case .namespace: return "an argparse.Namespace"
        case .global(let g): return "'\(g.qualifiedName)'"
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        case .numpyDType: return "a numpy dtype"
        case .numpyArray: return "a numpy array"
        case .object(let o): return "a \(o.name)"
        }
    }
}

/// Every container node is registered with the arena that created it. Tearing a graph down by emptying each
/// container in turn (instead of letting ARC release a nested chain recursively) keeps a hostile pickle that nests
/// a million levels deep from overflowing the stack on deallocation, and breaks reference cycles (a list appended
/// to itself) that would otherwise leak.
protocol PickleContainer: AnyObject {
    func removeChildren()
}

final class PickleArena {
    private var containers: [PickleContainer] = []

    func register<T: PickleContainer>(_ container: T) -> T {
        containers.append(container)
        return container
    }

    deinit {
        for container in containers { container.removeChildren() }
    }
}

final class PickleList: PickleContainer {
    var items: [PickleNode] = []
    func removeChildren() { items = [] }
}

final class PickleTuple: PickleContainer {
    private(set) var items: [PickleNode]
    init(_ items: [PickleNode]) { self.items = items }
    func removeChildren() { items = [] }
}

final class PickleDict: PickleContainer {
    private(set) var entries: [(key: PickleNode, value: PickleNode)] = []
    private var indexByKey: [PickleKey: Int] = [:]

    /// Python semantics: setting an existing key replaces its value in place.
    func set(_ value: PickleNode, for key: PickleNode, keyIdentity: PickleKey) {
        if let i = indexByKey[keyIdentity] {
            entries[i].value = value
        } else {
            indexByKey[keyIdentity] = entries.count
            entries.append((key, value))
        }
    }

    func removeChildren() {
        entries = []
        indexByKey = [:]
    }
}

final class PickleObject: PickleContainer {
    let name: String
    private(set) var state: PickleNode
    init(name: String, state: PickleNode) {
        self.name = name
        self.state = state
    }
    func removeChildren() { state = .none }
}

/// The identity of a hashable dict key, following Python's equality (`1 == 1.0 == True`).
indirect enum PickleKey: Hashable {
    case none
    case int(Int)
    case float(Double)
    case string(String)
    case bytes(Data)
    case tuple([PickleKey])

    /// `nil` for unhashable keys (lists, dicts) and for tuples nested too deeply to be real keys.
    init?(_ node: PickleNode, depth: Int = 0) {
        switch node {
        case .none: self = .none
        case .bool(let b): self = .int(b ? 1 : 0)
        case .int(let i): self = .int(i)
        case .float(let d):
            if let i = Int(exactly: d) { self = .int(i) } else { self = .float(d) }
        case .string(let s): self = .string(s)
        case .bytes(let b): self = .bytes(b)
        case .tuple(let t):
            guard depth < 8 else { return nil }
            var keys: [PickleKey] = []
            for item in t.items {
                guard let k = PickleKey(item, depth: depth + 1) else { return nil }
                keys.append(k)
            }
            self = .tuple(keys)
        case .global(let g): self = .string("<global \(g.qualifiedName)>")
        default: return nil
        }
    }
}

/// A storage named by a persistent id: which bytes a tensor views, and their element type.
struct StorageReference {
    /// Key of the storage within the checkpoint (the `data/<key>` entry of a zip checkpoint).
    let key: String
    let scalarType: ScalarType
    /// Elements to skip at the start of the stored bytes (legacy storage views).
    let elementOffset: Int
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view into a storage. Materialised only on demand.
struct TensorReference {
    let storage: StorageReference
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]
}

/// A numpy dtype under construction: `numpy.dtype('f8', False, True)` then BUILD sets its byte order.
final class NumpyDType: PickleContainer {
    let code: String
    var byteOrder: Character = "|"
    init(code: String) { self.code = code }
    func removeChildren() {}
}

/// A numpy array under construction: `_reconstruct(ndarray, (0,), b'b')` then BUILD supplies shape, dtype and data.
final class NumpyArray: PickleContainer {
    var tensor: HostTensor?
    func removeChildren() {}
}
