import CTorch

extension Tensor {
    public var requiresGrad: Bool { withExtendedLifetime(self) { ct_requires_grad(handle) == 1 } }

    /// Marks a leaf tensor as requiring gradients (returns self, for chaining).
    @discardableResult
    public func requiresGrad(_ flag: Bool) -> Tensor {
        withExtendedLifetime(self) { check(ct_set_requires_grad(handle, flag ? 1 : 0), "requires_grad_") }
        return self
    }

    /// The gradient accumulated by `backward`, or nil.
    public var grad: Tensor? {
        withExtendedLifetime(self) {
            if let g = ct_grad(handle) { return Tensor(owning: g) }
            if ct_last_error() != nil { ErrorScope.fail("grad") }
            return nil
        }
    }

    /// Drops the accumulated gradient.
    public func zeroGrad() { withExtendedLifetime(self) { check(ct_zero_grad(handle), "zero_grad") } }

    /// A tensor sharing storage but cut from the graph.
    public func detach() -> Tensor { unaryCall { ct_detach($0) } }

    /// Backpropagates from this tensor (a scalar unless `gradient` is given) into the leaves' `.grad`.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false) {
        withExtendedLifetime((self, gradient)) {
            check(ct_backward(handle, gradient?.handle, retainGraph ? 1 : 0, createGraph ? 1 : 0), "backward")
        }
    }
}

public enum Autograd {
    /// torch.autograd.grad: d(outputs)/d(inputs). With `createGraph` the result is itself differentiable
    /// (double backward, as the R1 penalty needs). Unused inputs give nil when `allowUnused`.
    public static func grad(outputs: [Tensor], inputs: [Tensor], gradOutputs: [Tensor?]? = nil,
                            retainGraph: Bool? = nil, createGraph: Bool = false,
                            allowUnused: Bool = false) -> [Tensor?] {
        let retain = retainGraph ?? createGraph
        return withExtendedLifetime((outputs, inputs, gradOutputs)) {
            let outs: [OpaquePointer?] = outputs.map { $0.handle }
            let ins: [OpaquePointer?] = inputs.map { $0.handle }
            var results = [OpaquePointer?](repeating: nil, count: inputs.count)
            let status: Int32
            if let gradOutputs {
                precondition(gradOutputs.count == outputs.count, "Autograd.grad: one grad output per output")
                let gos: [OpaquePointer?] = gradOutputs.map { $0?.handle }
                status = ct_autograd_grad(outs, Int32(outs.count), gos, ins, Int32(ins.count), retain ? 1 : 0,
                                          createGraph ? 1 : 0, allowUnused ? 1 : 0, &results)
            } else {
                status = ct_autograd_grad(outs, Int32(outs.count), nil, ins, Int32(ins.count), retain ? 1 : 0,
                                          createGraph ? 1 : 0, allowUnused ? 1 : 0, &results)
            }
            if status < 0 {
                ErrorScope.fail("autograd.grad")
                return inputs.map { _ in Tensor(owning: ct_undefined()) }
            }
            return results.map { $0.map { Tensor(owning: $0) } }
        }
    }

    public static var isGradEnabled: Bool { ct_is_grad_enabled() == 1 }
}

/// Runs `body` with gradient recording off on this thread (torch.no_grad). Must not span an `await`:
/// grad mode is thread-local in libtorch.
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    try withGradEnabled(false, body)
}

/// Runs `body` with gradient recording set to `enabled` on this thread, restoring the previous mode after.
public func withGradEnabled<T>(_ enabled: Bool, _ body: () throws -> T) rethrows -> T {
    let previous = ct_set_grad_enabled(enabled ? 1 : 0)
    defer { _ = ct_set_grad_enabled(previous) }
    return try body()
}

/// Runs `body` in libtorch's inference mode (no autograd bookkeeping at all; tensors made inside cannot later
/// enter autograd). Thread-local: must not span an `await`.
public func withInferenceMode<T>(_ body: () throws -> T) rethrows -> T {
    let guardHandle = ct_inference_mode_enter()
    defer { if let guardHandle { ct_guard_free(guardHandle) } }
    return try body()
}
