import Torch

/// A network component that knows its parameters, buffers and child modules by name, as torch.nn.Module does.
///
/// Everything is registered explicitly and kept in registration order, because the dotted paths are checkpoint
/// keys that must match the reference implementations exactly (`convs.3.conv.modulation.weight`,
/// `encoder.body.3.res_layer.1.weight`, `noises.noise_0`). Subclasses keep typed stored properties for use in
/// their forward pass and register the very same objects here; since `Tensor` is a class and moves between
/// devices by `rebind`, the property and the registry never disagree.
///
/// The forward pass is not part of this class: each layer offers its own `callAsFunction` with typed inputs
/// (single-tensor layers also conform to `Layer`, so `Sequential` can chain them).
open class Module {
    private struct ParameterEntry {
        let name: String
        var tensor: Tensor
    }

    private struct BufferEntry {
        let name: String
        var tensor: Tensor
        /// Part of `stateDict()` (PyTorch's `persistent=True`).
        var persistent: Bool
        /// `loadStateDict` keeps the current value instead of reporting the key missing when a checkpoint lacks it.
        var optionalOnLoad: Bool
    }

    private struct ChildEntry {
        let name: String
        var module: Module
    }

    private var parameterEntries: [ParameterEntry] = []
    private var bufferEntries: [BufferEntry] = []
    private var childEntries: [ChildEntry] = []

    /// Training mode (true) or evaluation mode (false); set with `train(_:)` / `eval()`, which reach all children.
    public private(set) var isTraining = true

    public init() {}

    // MARK: - Registration

    /// Registers `tensor` as the parameter `name` and returns it. Parameters require gradients unless told
    /// otherwise. Registering an existing parameter name replaces that parameter in place (its position is kept).
    @discardableResult
    public func registerParameter(_ name: String, _ tensor: Tensor, requiresGrad: Bool = true) -> Tensor {
        checkName(name, kind: .parameter)
        tensor.requiresGrad(requiresGrad)
        if let i = parameterEntries.firstIndex(where: { $0.name == name }) {
            parameterEntries[i].tensor = tensor
        } else {
            parameterEntries.append(ParameterEntry(name: name, tensor: tensor))
        }
        return tensor
    }

    /// Registers `tensor` as the buffer `name` (state that is not trained: running statistics, constant noise) and
    /// returns it. Non-persistent buffers move with the module but stay out of `stateDict()`. A buffer that is
    /// `optionalOnLoad` keeps its current value when a checkpoint lacks it (as PyTorch does for BatchNorm's
    /// `num_batches_tracked` in checkpoints written before it existed).
    @discardableResult
    public func registerBuffer(_ name: String, _ tensor: Tensor, persistent: Bool = true,
                               optionalOnLoad: Bool = false) -> Tensor {
        checkName(name, kind: .buffer)
        let entry = BufferEntry(name: name, tensor: tensor, persistent: persistent, optionalOnLoad: optionalOnLoad)
        if let i = bufferEntries.firstIndex(where: { $0.name == name }) {
            bufferEntries[i] = entry
        } else {
            bufferEntries.append(entry)
        }
        return tensor
    }

    /// Registers `module` as the child `name` and returns it. Registering an existing child name replaces that child
    /// in place (its position is kept).
    @discardableResult
    public func registerModule<M: Module>(_ name: String, _ module: M) -> M {
        checkName(name, kind: .module)
        precondition(module !== self, "\(typeName).registerModule('\(name)'): a module cannot contain itself")
        if let i = childEntries.firstIndex(where: { $0.name == name }) {
            childEntries[i].module = module
        } else {
            childEntries.append(ChildEntry(name: name, module: module))
        }
        return module
    }

    private enum EntryKind: String { case parameter, buffer, module }

    /// Names are checkpoint key components: non-empty, without dots, and unique across parameters, buffers and
    /// children of one module (a clash is a bug in model code, so it traps).
    private func checkName(_ name: String, kind: EntryKind) {
        precondition(!name.isEmpty, "\(typeName): empty \(kind.rawValue) name")
        precondition(!name.contains("."), "\(typeName): \(kind.rawValue) name '\(name)' must not contain '.'")
        let clash: EntryKind?
        if kind != .parameter, parameterEntries.contains(where: { $0.name == name }) {
            clash = .parameter
        } else if kind != .buffer, bufferEntries.contains(where: { $0.name == name }) {
            clash = .buffer
        } else if kind != .module, childEntries.contains(where: { $0.name == name }) {
            clash = .module
        } else {
            clash = nil
        }
        if let clash {
            preconditionFailure("\(typeName): cannot register \(kind.rawValue) '\(name)': a \(clash.rawValue) has that name")
        }
    }

    // MARK: - Local lookup

    /// This module's own parameter `name` (not a child's).
    public func parameter(_ name: String) -> Tensor? { parameterEntries.first { $0.name == name }?.tensor }
    /// This module's own buffer `name` (not a child's).
    public func buffer(_ name: String) -> Tensor? { bufferEntries.first { $0.name == name }?.tensor }
    /// The direct child `name`.
    public func child(_ name: String) -> Module? { childEntries.first { $0.name == name }?.module }

    /// The descendant at a dotted path (`"encoder.body.3"`); the empty path is this module.
    public func module(at path: String) -> Module? {
        if path.isEmpty { return self }
        var current: Module = self
        for component in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = current.child(String(component)) else { return nil }
            current = next
        }
        return current
    }

    /// The parameter or buffer at a dotted path (`"convs.3.conv.weight"`).
    public func tensor(at path: String) -> Tensor? {
        let (owner, leaf) = splitPath(path)
        guard let module = module(at: owner) else { return nil }
        return module.parameter(leaf) ?? module.buffer(leaf)
    }

    private func splitPath(_ path: String) -> (owner: String, leaf: String) {
        guard let dot = path.lastIndex(of: ".") else { return ("", path) }
        return (String(path[..<dot]), String(path[path.index(after: dot)...]))
    }

    // MARK: - Enumeration (PyTorch order: a module's own entries, then its children depth-first)

    /// Direct children with their names, in registration order.
    public var namedChildren: [(name: String, module: Module)] { childEntries.map { ($0.name, $0.module) } }
    /// Direct children in registration order.
    public var children: [Module] { childEntries.map(\.module) }

    /// This module (named "") and all descendants, pre-order; a module reachable twice is listed once, as in PyTorch.
    public func namedModules() -> [(name: String, module: Module)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(name: String, module: Module)] = []
        func visit(_ m: Module, _ prefix: String) {
            guard seen.insert(ObjectIdentifier(m)).inserted else { return }
            out.append((prefix, m))
            for c in m.childEntries { visit(c.module, join(prefix, c.name)) }
        }
        visit(self, "")
        return out
    }

    public func modules() -> [Module] { namedModules().map(\.module) }

    /// Parameters by dotted path. A tensor shared under two names is listed once (first name), as in PyTorch.
    public func namedParameters(recurse: Bool = true) -> [(name: String, tensor: Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(name: String, tensor: Tensor)] = []
        for (prefix, m) in recurse ? namedModules() : [("", self)] {
            for p in m.parameterEntries where seen.insert(ObjectIdentifier(p.tensor)).inserted {
                out.append((join(prefix, p.name), p.tensor))
            }
        }
        return out
    }

    public func parameters(recurse: Bool = true) -> [Tensor] { namedParameters(recurse: recurse).map(\.tensor) }

    /// Buffers (persistent or not) by dotted path, each tensor once.
    public func namedBuffers(recurse: Bool = true) -> [(name: String, tensor: Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(name: String, tensor: Tensor)] = []
        for (prefix, m) in recurse ? namedModules() : [("", self)] {
            for b in m.bufferEntries where seen.insert(ObjectIdentifier(b.tensor)).inserted {
                out.append((join(prefix, b.name), b.tensor))
            }
        }
        return out
    }

    public func buffers(recurse: Bool = true) -> [Tensor] { namedBuffers(recurse: recurse).map(\.tensor) }

    /// Number of parameter elements (shared tensors counted once).
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }
    /// Number of parameter elements that currently require gradients.
    public var trainableParameterCount: Int {
        parameters().reduce(0) { $0 + ($1.requiresGrad ? $1.count : 0) }
    }

    // MARK: - State dict

    /// One checkpoint entry: where it lives and whether a checkpoint may omit it.
    struct StateEntry {
        let key: String
        let tensor: Tensor
        let optionalOnLoad: Bool
    }

    /// Parameters and persistent buffers, in PyTorch's `state_dict()` order: for every module its own parameters,
    /// then its own persistent buffers, then its children recursively. Shared tensors appear under every name.
    func stateEntries() -> [StateEntry] {
        var out: [StateEntry] = []
        func visit(_ m: Module, _ prefix: String) {
            for p in m.parameterEntries {
                out.append(StateEntry(key: join(prefix, p.name), tensor: p.tensor, optionalOnLoad: false))
            }
            for b in m.bufferEntries where b.persistent {
                out.append(StateEntry(key: join(prefix, b.name), tensor: b.tensor, optionalOnLoad: b.optionalOnLoad))
            }
            for c in m.childEntries { visit(c.module, join(prefix, c.name)) }
        }
        visit(self, "")
        return out
    }

    /// The module's checkpoint: parameters and persistent buffers by dotted key, ordered as PyTorch orders them.
    /// The tensors are the live ones (not copies), detached from autograd as PyTorch's `state_dict()` returns them.
    public func stateDict() -> [(name: String, tensor: Tensor)] {
        stateEntries().map { ($0.key, $0.tensor.detach()) }
    }

    // MARK: - Modes

    /// Sets training mode on this module and all descendants (dropout active, batch norm using batch statistics).
    /// Subclasses may override to keep a part fixed (call super).
    @discardableResult
    open func train(_ mode: Bool = true) -> Self {
        isTraining = mode
        for c in childEntries { c.module.train(mode) }
        return self
    }

    /// Evaluation mode on this module and all descendants.
    @discardableResult
    public func eval() -> Self { train(false) }

    /// Turns gradients off for every parameter (the module is then a fixed function, as a frozen generator is).
    @discardableResult
    public func freeze() -> Self {
        setRequiresGrad(false)
        return self
    }

    /// Turns gradients back on for every parameter.
    @discardableResult
    public func unfreeze() -> Self {
        setRequiresGrad(true)
        return self
    }

    public func setRequiresGrad(_ flag: Bool) {
        for p in parameters() { p.requiresGrad(flag) }
    }

    /// Drops the accumulated gradient of every parameter (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        for p in parameters() { p.zeroGrad() }
    }

    // MARK: - Moving between devices and dtypes

    /// Moves parameters and buffers to `device` in place: every holder of those tensors sees the moved ones.
    /// Parameters keep their `requiresGrad`; accumulated gradients are dropped.
    @discardableResult
    public func to(device: Device) -> Self { convert(dtype: nil, device: device) }

    /// Casts floating-point parameters and buffers to `dtype` in place (integer buffers such as
    /// `num_batches_tracked` keep theirs, as in PyTorch). Parameters keep their `requiresGrad`.
    @discardableResult
    public func to(dtype: DType) -> Self {
        precondition(dtype.isFloatingPoint, "Module.to(dtype:): \(dtype) is not a floating-point type")
        return convert(dtype: dtype, device: nil)
    }

    /// Both at once.
    @discardableResult
    public func to(dtype: DType, device: Device) -> Self {
        precondition(dtype.isFloatingPoint, "Module.to(dtype:device:): \(dtype) is not a floating-point type")
        return convert(dtype: dtype, device: device)
    }

    private func convert(dtype: DType?, device: Device?) -> Self {
        withNoGrad {
            for p in parameters() {
                let flag = p.requiresGrad
                let target = p.dtype.isFloatingPoint ? dtype : nil
                guard needsMove(p, target, device) else { continue }
                // Made under no-grad, the converted tensor is a fresh leaf that can take requires_grad.
                let moved = p.to(target, device: device).detach()
                moved.requiresGrad(flag)
                p.rebind(to: moved)
            }
            for b in buffers() {
                let target = b.dtype.isFloatingPoint ? dtype : nil
                guard needsMove(b, target, device) else { continue }
                b.rebind(to: b.to(target, device: device))
            }
        }
        return self
    }

    private func needsMove(_ t: Tensor, _ dtype: DType?, _ device: Device?) -> Bool {
        (dtype.map { $0 != t.dtype } ?? false) || (device.map { $0 != t.device } ?? false)
    }

    var typeName: String { String(describing: type(of: self)) }
}

/// Joins a dotted prefix and a name.
@inline(__always)
func join(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }
