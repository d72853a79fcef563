import Foundation

/// Named tensors in a meaningful order: what a safetensors file or a flattened PyTorch state dict holds. Order is
/// kept because "missing / unexpected key" reports and re-saved files should follow the source's order.
public struct StateDict: Sendable, Equatable, Sequence {
    public typealias Element = (name: String, tensor: HostTensor)

    /// Tensor names in order.
    public private(set) var names: [String] = []
    private var tensorsByName: [String: HostTensor] = [:]

    public init() {}

    /// Builds a state dict from pairs in order; like `Dictionary(uniqueKeysWithValues:)`, a repeated name is a bug
    /// in the caller and traps. Readers never pass untrusted names here unchecked.
    public init<S: Sequence>(uniqueNamesWithTensors pairs: S) where S.Element == (String, HostTensor) {
        for (name, tensor) in pairs {
            precondition(tensorsByName[name] == nil, "StateDict: duplicate tensor name '\(name)'")
            names.append(name)
            tensorsByName[name] = tensor
        }
    }

    public var count: Int { names.count }
    public var isEmpty: Bool { names.isEmpty }

    /// The tensor called `name`. Setting a new name appends it; setting an existing one replaces it in place;
    /// setting `nil` removes it.
    public subscript(name: String) -> HostTensor? {
        get { tensorsByName[name] }
        set {
            switch (tensorsByName[name] != nil, newValue) {
            case (false, let tensor?): names.append(name); tensorsByName[name] = tensor
            case (true, let tensor?): tensorsByName[name] = tensor
            case (true, nil): names.removeAll { $0 == name }; tensorsByName[name] = nil
            case (false, nil): break
            }
        }
    }

    /// Adds a tensor under a name not present yet; returns false (and changes nothing) if the name is taken.
    @discardableResult
    public mutating func insert(_ tensor: HostTensor, named name: String) -> Bool {
        guard tensorsByName[name] == nil else { return false }
        self[name] = tensor
        return true
    }

    public func makeIterator() -> AnyIterator<Element> {
        var index = 0
        return AnyIterator {
            guard index < names.count else { return nil }
            defer { index += 1 }
            let name = names[index]
            return (name, tensorsByName[name]!)
        }
    }

    /// The tensors whose names start with `prefix`, with the prefix dropped, e.g. `selecting(prefix: "g_ema.")`.
    public func selecting(prefix: String) -> StateDict {
        var result = StateDict()
        for (name, tensor) in self where name.hasPrefix(prefix) {
            result[String(name.dropFirst(prefix.count))] = tensor
        }
        return result
    }

    public static func == (a: StateDict, b: StateDict) -> Bool {
        a.names == b.names && a.tensorsByName == b.tensorsByName
    }
}
