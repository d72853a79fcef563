import Foundation

/// A value read from a Python pickle (PyTorch `.pt`): the plain-data subset a checkpoint holds. Tensors arrive
/// materialised as `HostTensor`; `argparse.Namespace` options arrive as a dict of their attributes;
/// `OrderedDict` as a dict (order kept); `torch.Size` as a tuple of ints; `torch.device` as a string like
/// `"cuda:0"`; numpy scalars as `int`/`float`/`bool` and numpy arrays as tensors. `object` holds an allow-listed
/// global with no plain-data equivalent (e.g. `torch.float32`, or `builtins.slice` with its arguments).
public indirect enum PickleValue: Sendable, Equatable, CustomStringConvertible {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes(Data)
    case list([PickleValue])
    case tuple([PickleValue])
    /// Entries in insertion order (pickled dicts keep it, and state-dict order matters).
    case dict([(key: PickleValue, value: PickleValue)])
    case tensor(HostTensor)
    case object(name: String, state: PickleValue)

    // MARK: Accessors

    public var isNone: Bool { if case .none = self { return true } else { return false } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var intValue: Int? { if case .int(let i) = self { return i } else { return nil } }
    /// A float, or an int converted to Double.
    public var doubleValue: Double? {
        switch self {
        case .float(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var bytesValue: Data? { if case .bytes(let b) = self { return b } else { return nil } }
    public var tensorValue: HostTensor? { if case .tensor(let t) = self { return t } else { return nil } }
    /// The elements of a list or tuple.
    public var items: [PickleValue]? {
        switch self {
        case .list(let xs), .tuple(let xs): return xs
        default: return nil
        }
    }
    /// The entries of a dict.
    public var entries: [(key: PickleValue, value: PickleValue)]? {
        if case .dict(let e) = self { return e } else { return nil }
    }
    /// The string keys of a dict, in order (non-string keys skipped).
    public var keys: [String]? { entries?.compactMap { $0.key.stringValue } }

    /// The value for a string key of a dict; `nil` if this is not a dict or has no such key.
    public subscript(key: String) -> PickleValue? {
        entries?.first { $0.key.stringValue == key }?.value
    }

    /// The element at `index` of a list or tuple.
    public subscript(index: Int) -> PickleValue? {
        guard let xs = items, xs.indices.contains(index) else { return nil }
        return xs[index]
    }

    /// A short description of the kind of value, for error messages ("a dict", "a tensor").
    public var kindDescription: String {
        switch self {
        case .none: return "None"
        case .bool: return "a bool"
        case .int: return "an int"
        case .float: return "a float"
        case .string: return "a string"
        case .bytes: return "bytes"
        case .list: return "a list"
        case .tuple: return "a tuple"
        case .dict: return "a dict"
        case .tensor: return "a tensor"
        case .object(let name, _): return "a \(name)"
        }
    }

    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return String(d)
        case .string(let s): return "'\(s)'"
        case .bytes(let b): return "b<\(b.count) bytes>"
        case .list(let xs): return "[" + xs.map(\.description).joined(separator: ", ") + "]"
        case .tuple(let xs): return "(" + xs.map(\.description).joined(separator: ", ") + (xs.count == 1 ? ",)" : ")")
        case .dict(let e): return "{" + e.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .tensor(let t): return "tensor(\(t.scalarType.rawValue) \(t.shape))"
        case .object(let name, let state): return state.isNone ? name : "\(name)\(state)"
        }
    }

    public static func == (a: PickleValue, b: PickleValue) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.float(x), .float(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.bytes(x), .bytes(y)): return x == y
        case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)): return x == y
        case let (.dict(x), .dict(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.tensor(x), .tensor(y)): return x == y
        case let (.object(n1, s1), .object(n2, s2)): return n1 == n2 && s1 == s2
        default: return false
        }
    }

    // MARK: State dicts

    /// Every tensor under this value with its dotted path as the name — `{"g_ema": {"style.1.weight": t}}` gives
    /// `g_ema.style.1.weight` — in order. Dict keys that are strings or ints name a level, list and tuple elements
    /// their index; values that are not tensors (ints, options, strings) are skipped. A bare tensor is named `""`.
    /// Two tensors reaching the same name is an error naming `path`.
    public func flattenedTensors(path: String = TensorIOError.inMemoryPath) throws -> StateDict {
        var result = StateDict()
        try collectTensors(prefix: "", into: &result, path: path)
        return result
    }

    private func collectTensors(prefix: String, into result: inout StateDict, path: String) throws {
        func child(_ name: String) -> String { prefix.isEmpty ? name : "\(prefix).\(name)" }
        switch self {
        case .tensor(let t):
            guard result.insert(t, named: prefix) else {
                throw TensorIOError(path: path, "two tensors are both named '\(prefix)' when flattened")
            }
        case .dict(let entries):
            for (key, value) in entries {
                let name: String
                switch key {
                case .string(let s): name = s
                case .int(let i): name = String(i)
                default: continue
                }
                try value.collectTensors(prefix: child(name), into: &result, path: path)
            }
        case .list(let xs), .tuple(let xs):
            for (i, x) in xs.enumerated() { try x.collectTensors(prefix: child(String(i)), into: &result, path: path) }
        default:
            break
        }
    }
}
