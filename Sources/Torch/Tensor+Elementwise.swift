import CTorch

// Elementwise math with broadcasting, reading like PyTorch: `a + b`, `x * 0.5`, `t.sigmoid()`.

extension Tensor {
    @inline(__always) func unary(_ op: ct_unary_op) -> Tensor { unaryCall { ct_unary(Int32(op.rawValue), $0) } }
    @inline(__always) func binary(_ op: ct_binary_op, _ other: Tensor) -> Tensor {
        binaryCall(other) { ct_binary(Int32(op.rawValue), $0, $1) }
    }
    @inline(__always) func binary(_ op: ct_binary_op, _ s: Double) -> Tensor {
        unaryCall { ct_binary_scalar(Int32(op.rawValue), $0, s) }
    }
    @inline(__always) func rbinary(_ op: ct_binary_op, _ s: Double) -> Tensor {
        unaryCall { ct_rbinary_scalar(Int32(op.rawValue), s, $0) }
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { a.binary(CT_ADD, b) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.binary(CT_SUB, b) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.binary(CT_MUL, b) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.binary(CT_DIV, b) }
    public static func + (a: Tensor, s: Double) -> Tensor { a.binary(CT_ADD, s) }
    public static func - (a: Tensor, s: Double) -> Tensor { a.binary(CT_SUB, s) }
    public static func * (a: Tensor, s: Double) -> Tensor { a.binary(CT_MUL, s) }
    public static func / (a: Tensor, s: Double) -> Tensor { a.binary(CT_DIV, s) }
    public static func + (s: Double, a: Tensor) -> Tensor { a.binary(CT_ADD, s) }
    public static func - (s: Double, a: Tensor) -> Tensor { a.rbinary(CT_SUB, s) }
    public static func * (s: Double, a: Tensor) -> Tensor { a.binary(CT_MUL, s) }
    public static func / (s: Double, a: Tensor) -> Tensor { a.rbinary(CT_DIV, s) }
    public static prefix func - (a: Tensor) -> Tensor { a.unary(CT_NEG) }

    public func pow(_ e: Double) -> Tensor { binary(CT_POW, e) }
    public func pow(_ e: Tensor) -> Tensor { binary(CT_POW, e) }
    public func maximum(_ other: Tensor) -> Tensor { binary(CT_MAXIMUM, other) }
    public func minimum(_ other: Tensor) -> Tensor { binary(CT_MINIMUM, other) }
    public func atan2(_ other: Tensor) -> Tensor { binary(CT_ATAN2, other) }
    public func remainder(_ s: Double) -> Tensor { binary(CT_REMAINDER, s) }
    public func floorDivide(_ s: Double) -> Tensor { binary(CT_FLOOR_DIVIDE, s) }

    // Comparisons give bool tensors.
    public func eq(_ o: Tensor) -> Tensor { binary(CT_EQ, o) }
    public func ne(_ o: Tensor) -> Tensor { binary(CT_NE, o) }
    public func lt(_ o: Tensor) -> Tensor { binary(CT_LT, o) }
    public func le(_ o: Tensor) -> Tensor { binary(CT_LE, o) }
    public func gt(_ o: Tensor) -> Tensor { binary(CT_GT, o) }
    public func ge(_ o: Tensor) -> Tensor { binary(CT_GE, o) }
    public func eq(_ s: Double) -> Tensor { binary(CT_EQ, s) }
    public func ne(_ s: Double) -> Tensor { binary(CT_NE, s) }
    public func lt(_ s: Double) -> Tensor { binary(CT_LT, s) }
    public func le(_ s: Double) -> Tensor { binary(CT_LE, s) }
    public func gt(_ s: Double) -> Tensor { binary(CT_GT, s) }
    public func ge(_ s: Double) -> Tensor { binary(CT_GE, s) }
    public func logicalAnd(_ o: Tensor) -> Tensor { binary(CT_LOGICAL_AND, o) }
    public func logicalOr(_ o: Tensor) -> Tensor { binary(CT_LOGICAL_OR, o) }
    public func logicalNot() -> Tensor { unary(CT_LOGICAL_NOT) }
    public func isNaN() -> Tensor { unary(CT_ISNAN) }
    public func isFinite() -> Tensor { unary(CT_ISFINITE) }

    public func abs() -> Tensor { unary(CT_ABS) }
    public func exp() -> Tensor { unary(CT_EXP) }
    public func log() -> Tensor { unary(CT_LOG) }
    public func log2() -> Tensor { unary(CT_LOG2) }
    public func log1p() -> Tensor { unary(CT_LOG1P) }
    public func expm1() -> Tensor { unary(CT_EXPM1) }
    public func sqrt() -> Tensor { unary(CT_SQRT) }
    public func rsqrt() -> Tensor { unary(CT_RSQRT) }
    public func sin() -> Tensor { unary(CT_SIN) }
    public func cos() -> Tensor { unary(CT_COS) }
    public func tanh() -> Tensor { unary(CT_TANH) }
    public func sigmoid() -> Tensor { unary(CT_SIGMOID) }
    public func relu() -> Tensor { unary(CT_RELU) }
    public func gelu() -> Tensor { unary(CT_GELU) }
    public func silu() -> Tensor { unary(CT_SILU) }
    public func softplus() -> Tensor { unary(CT_SOFTPLUS) }
    public func floor() -> Tensor { unary(CT_FLOOR) }
    public func ceil() -> Tensor { unary(CT_CEIL) }
    public func round() -> Tensor { unary(CT_ROUND) }
    public func trunc() -> Tensor { unary(CT_TRUNC) }
    public func sign() -> Tensor { unary(CT_SIGN) }
    public func reciprocal() -> Tensor { unary(CT_RECIPROCAL) }
    public func square() -> Tensor { unary(CT_SQUARE) }
    public func erf() -> Tensor { unary(CT_ERF) }

    public func leakyReLU(_ slope: Double = 0.01) -> Tensor { unaryCall { ct_leaky_relu($0, slope) } }
    public func prelu(_ weight: Tensor) -> Tensor { binaryCall(weight) { ct_prelu($0, $1) } }
    public func clamp(min: Double? = nil, max: Double? = nil) -> Tensor {
        unaryCall { ct_clamp($0, min == nil ? 0 : 1, min ?? 0, max == nil ? 0 : 1, max ?? 0) }
    }
    /// Elements where `condition` holds from `self`, others from `other`.
    public func `where`(_ condition: Tensor, _ other: Tensor) -> Tensor {
        Tensor.withHandles([condition, self, other]) { h in Tensor.wrap(ct_where(h[0], h[1], h[2])) }
    }
    public func maskedFill(_ mask: Tensor, _ value: Double) -> Tensor {
        binaryCall(mask) { ct_masked_fill($0, $1, value) }
    }
    /// self + weight · (end − self).
    public func lerp(_ end: Tensor, _ weight: Double) -> Tensor { binaryCall(end) { ct_lerp($0, $1, weight) } }
}
