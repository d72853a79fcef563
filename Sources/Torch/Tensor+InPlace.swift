import CTorch

// In-place updates, for optimisers, initialisers and running statistics. They bypass nothing: call them under
// `withNoGrad` when the tensor is a leaf that requires grad.

extension Tensor {
    @inline(__always) func inPlace(_ f: (OpaquePointer) -> Int32, _ what: @autoclosure () -> String) {
        withExtendedLifetime(self) { check(f(handle), what()) }
    }
    @inline(__always) func inPlace(_ other: Tensor, _ f: (OpaquePointer, OpaquePointer) -> Int32,
                                   _ what: @autoclosure () -> String) {
        withExtendedLifetime(self) { withExtendedLifetime(other) { check(f(handle, other.handle), what()) } }
    }

    /// Copies `source` (broadcast, converted) into this tensor's storage.
    public func copy_(_ source: Tensor) { inPlace(source, { ct_copy_($0, $1) }, "copy_") }
    public func zero_() { inPlace({ ct_zero_($0) }, "zero_") }
    public func fill_(_ value: Double) { inPlace({ ct_fill_($0, value) }, "fill_") }
    /// self += alpha · other
    public func add_(_ other: Tensor, alpha: Double = 1) {
        inPlace(other, { ct_binary_(Int32(CT_ADD.rawValue), $0, $1, alpha) }, "add_")
    }
    public func sub_(_ other: Tensor, alpha: Double = 1) {
        inPlace(other, { ct_binary_(Int32(CT_SUB.rawValue), $0, $1, alpha) }, "sub_")
    }
    public func mul_(_ other: Tensor) { inPlace(other, { ct_binary_(Int32(CT_MUL.rawValue), $0, $1, 1) }, "mul_") }
    public func div_(_ other: Tensor) { inPlace(other, { ct_binary_(Int32(CT_DIV.rawValue), $0, $1, 1) }, "div_") }
    public func add_(_ s: Double) { inPlace({ ct_binary_scalar_(Int32(CT_ADD.rawValue), $0, s) }, "add_") }
    public func mul_(_ s: Double) { inPlace({ ct_binary_scalar_(Int32(CT_MUL.rawValue), $0, s) }, "mul_") }
    public func div_(_ s: Double) { inPlace({ ct_binary_scalar_(Int32(CT_DIV.rawValue), $0, s) }, "div_") }
    /// self += value · a · b
    public func addcmul_(_ a: Tensor, _ b: Tensor, value: Double = 1) {
        withExtendedLifetime((self, a, b)) { check(ct_addcmul_(handle, a.handle, b.handle, value), "addcmul_") }
    }
    /// self += value · a / b
    public func addcdiv_(_ a: Tensor, _ b: Tensor, value: Double = 1) {
        withExtendedLifetime((self, a, b)) { check(ct_addcdiv_(handle, a.handle, b.handle, value), "addcdiv_") }
    }
    /// self += weight · (end − self)
    public func lerp_(_ end: Tensor, weight: Double) { inPlace(end, { ct_lerp_($0, $1, weight) }, "lerp_") }
    public func uniform_(_ low: Double, _ high: Double) { inPlace({ ct_uniform_($0, low, high) }, "uniform_") }
    public func normal_(mean: Double = 0, std: Double = 1) { inPlace({ ct_normal_($0, mean, std) }, "normal_") }
    public func clamp_(min: Double? = nil, max: Double? = nil) {
        inPlace({ ct_clamp_($0, min == nil ? 0 : 1, min ?? 0, max == nil ? 0 : 1, max ?? 0) }, "clamp_")
    }
}
