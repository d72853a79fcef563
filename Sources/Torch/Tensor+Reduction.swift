import CTorch

// Reductions over all dimensions (`dims` empty) or the listed ones.

extension Tensor {
    @inline(__always)
    func reduce(_ op: ct_reduce_op, _ dims: [Int], keepDim: Bool, unbiased: Bool = false) -> Tensor {
        let d = shimInts(dims)
        return unaryCall { ct_reduce(Int32(op.rawValue), $0, d, Int32(d.count), keepDim ? 1 : 0, unbiased ? 1 : 0) }
    }

    public func sum(dims: [Int] = [], keepDim: Bool = false) -> Tensor { reduce(CT_SUM, dims, keepDim: keepDim) }
    public func sum(dim: Int, keepDim: Bool = false) -> Tensor { reduce(CT_SUM, [dim], keepDim: keepDim) }
    public func mean(dims: [Int] = [], keepDim: Bool = false) -> Tensor { reduce(CT_MEAN, dims, keepDim: keepDim) }
    public func mean(dim: Int, keepDim: Bool = false) -> Tensor { reduce(CT_MEAN, [dim], keepDim: keepDim) }
    public func max(dims: [Int] = [], keepDim: Bool = false) -> Tensor { reduce(CT_AMAX, dims, keepDim: keepDim) }
    public func min(dims: [Int] = [], keepDim: Bool = false) -> Tensor { reduce(CT_AMIN, dims, keepDim: keepDim) }
    public func prod(dims: [Int] = [], keepDim: Bool = false) -> Tensor { reduce(CT_PROD, dims, keepDim: keepDim) }
    public func variance(dims: [Int] = [], unbiased: Bool = true, keepDim: Bool = false) -> Tensor {
        reduce(CT_VAR, dims, keepDim: keepDim, unbiased: unbiased)
    }
    public func std(dims: [Int] = [], unbiased: Bool = true, keepDim: Bool = false) -> Tensor {
        reduce(CT_STD, dims, keepDim: keepDim, unbiased: unbiased)
    }
    public func logSumExp(dims: [Int], keepDim: Bool = false) -> Tensor { reduce(CT_LOGSUMEXP, dims, keepDim: keepDim) }
    /// Euclidean norm.
    public func norm(dims: [Int] = [], keepDim: Bool = false) -> Tensor { reduce(CT_NORM2, dims, keepDim: keepDim) }
    public func any(dims: [Int] = [], keepDim: Bool = false) -> Tensor { reduce(CT_ANY, dims, keepDim: keepDim) }
    public func all(dims: [Int] = [], keepDim: Bool = false) -> Tensor { reduce(CT_ALL, dims, keepDim: keepDim) }

    public func argmax(dim: Int, keepDim: Bool = false) -> Tensor {
        unaryCall { ct_argmax($0, Int64(dim), keepDim ? 1 : 0) }
    }
    public func argmin(dim: Int, keepDim: Bool = false) -> Tensor {
        unaryCall { ct_argmin($0, Int64(dim), keepDim ? 1 : 0) }
    }
    public func cumsum(dim: Int) -> Tensor { unaryCall { ct_cumsum($0, Int64(dim)) } }

    /// The k largest (or smallest) entries along `dim` and their indices.
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true) -> (values: Tensor, indices: Tensor) {
        pairCall { ct_topk($0, Int64(k), Int64(dim), largest ? 1 : 0, sorted ? 1 : 0, &$1, &$2) }
    }

    public func sort(dim: Int = -1, descending: Bool = false) -> (values: Tensor, indices: Tensor) {
        pairCall { ct_sort($0, Int64(dim), descending ? 1 : 0, &$1, &$2) }
    }

    public func softmax(dim: Int) -> Tensor { unaryCall { ct_softmax($0, Int64(dim)) } }
    public func logSoftmax(dim: Int) -> Tensor { unaryCall { ct_log_softmax($0, Int64(dim)) } }

    /// A shim call that yields two tensors through out-parameters.
    func pairCall(_ f: (OpaquePointer, inout OpaquePointer?, inout OpaquePointer?) -> Int32) -> (Tensor, Tensor) {
        withExtendedLifetime(self) {
            var a: OpaquePointer? = nil
            var b: OpaquePointer? = nil
            if f(handle, &a, &b) < 0 {
                ErrorScope.fail()
                return (Tensor(owning: ct_undefined()), Tensor(owning: ct_undefined()))
            }
            return (Tensor(owning: a!), Tensor(owning: b!))
        }
    }
}
