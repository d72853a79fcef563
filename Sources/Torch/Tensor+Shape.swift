import CTorch

// Views, reshapes, joins and indexing.

extension Tensor {
    public func reshape(_ shape: [Int]) -> Tensor {
        let s = shimInts(shape)
        return unaryCall { ct_reshape($0, s, Int32(s.count)) }
    }
    public func view(_ shape: [Int]) -> Tensor {
        let s = shimInts(shape)
        return unaryCall { ct_view($0, s, Int32(s.count)) }
    }
    public func permute(_ dims: [Int]) -> Tensor {
        let d = shimInts(dims)
        return unaryCall { ct_permute($0, d, Int32(d.count)) }
    }
    public func transpose(_ d0: Int, _ d1: Int) -> Tensor { unaryCall { ct_transpose($0, Int64(d0), Int64(d1)) } }
    public func expand(_ shape: [Int]) -> Tensor {
        let s = shimInts(shape)
        return unaryCall { ct_expand($0, s, Int32(s.count)) }
    }
    public func expand(as other: Tensor) -> Tensor { expand(other.shape) }
    public func `repeat`(_ repeats: [Int]) -> Tensor {
        let r = shimInts(repeats)
        return unaryCall { ct_repeat($0, r, Int32(r.count)) }
    }
    public func narrow(dim: Int, start: Int, length: Int) -> Tensor {
        unaryCall { ct_narrow($0, Int64(dim), Int64(start), Int64(length)) }
    }
    /// Removes dimension `dim` by taking entry `index`.
    public func select(dim: Int, index: Int) -> Tensor { unaryCall { ct_select($0, Int64(dim), Int64(index)) } }
    public func slice(dim: Int, start: Int, end: Int, step: Int = 1) -> Tensor {
        unaryCall { ct_slice($0, Int64(dim), Int64(start), Int64(end), Int64(step)) }
    }
    public func squeeze(dim: Int) -> Tensor { unaryCall { ct_squeeze($0, Int64(dim)) } }
    public func unsqueeze(dim: Int) -> Tensor { unaryCall { ct_unsqueeze($0, Int64(dim)) } }
    public func flatten(startDim: Int = 0, endDim: Int = -1) -> Tensor {
        let s = shape
        let start = startDim < 0 ? startDim + s.count : startDim
        let end = endDim < 0 ? endDim + s.count : endDim
        if s.isEmpty { return reshape([1]) }
        let merged = s[start...end].reduce(1, *)
        return reshape(Array(s[..<start]) + [merged] + Array(s[(end + 1)...]))
    }
    public func flip(_ dims: [Int]) -> Tensor {
        let d = shimInts(dims)
        return unaryCall { ct_flip($0, d, Int32(d.count)) }
    }
    public func roll(_ shift: Int, dim: Int) -> Tensor { unaryCall { ct_roll($0, Int64(shift), Int64(dim)) } }
    /// Sliding windows of `size` every `step` along `dim`, appended as a new last dimension (a view; PyTorch's
    /// `Tensor.unfold`).
    public func unfold(dim: Int, size: Int, step: Int) -> Tensor {
        unaryCall { ct_unfold($0, Int64(dim), Int64(size), Int64(step)) }
    }

    /// Entry `i` along the first dimension.
    public subscript(_ i: Int) -> Tensor { select(dim: 0, index: i) }
    /// Entries `range` along the first dimension.
    public subscript(_ range: Range<Int>) -> Tensor { narrow(dim: 0, start: range.lowerBound, length: range.count) }

    /// Splits into pieces of `size` along `dim` (the last one may be smaller).
    public func split(size: Int, dim: Int = 0) -> [Tensor] {
        let n = self.size(dim)
        return stride(from: 0, to: n, by: size).map { narrow(dim: dim, start: $0, length: Swift.min(size, n - $0)) }
    }
    /// Splits into pieces of the given sizes along `dim`.
    public func split(sizes: [Int], dim: Int = 0) -> [Tensor] {
        var start = 0
        return sizes.map { s in
            defer { start += s }
            return narrow(dim: dim, start: start, length: s)
        }
    }
    /// Splits into `chunks` nearly equal pieces along `dim`, as torch.chunk.
    public func chunk(_ chunks: Int, dim: Int = 0) -> [Tensor] {
        let n = size(dim)
        return split(size: (n + chunks - 1) / chunks, dim: dim)
    }

    public static func cat(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        withHandles(tensors) { h in Tensor.wrap(ct_cat(h, Int32(h.count), Int64(dim)), "cat") }
    }
    public static func stack(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        withHandles(tensors) { h in Tensor.wrap(ct_stack(h, Int32(h.count), Int64(dim)), "stack") }
    }

    public func indexSelect(dim: Int, index: Tensor) -> Tensor {
        binaryCall(index) { ct_index_select($0, Int64(dim), $1) }
    }
    public func gather(dim: Int, index: Tensor) -> Tensor { binaryCall(index) { ct_gather($0, Int64(dim), $1) } }
    public func scatter(dim: Int, index: Tensor, source: Tensor) -> Tensor {
        Tensor.withHandles([self, index, source]) { h in Tensor.wrap(ct_scatter(h[0], Int64(dim), h[1], h[2])) }
    }
    public func maskedSelect(_ mask: Tensor) -> Tensor { binaryCall(mask) { ct_masked_select($0, $1) } }
    public func nonzero() -> Tensor { unaryCall { ct_nonzero($0) } }
    public func tril(_ diagonal: Int = 0) -> Tensor { unaryCall { ct_tril($0, Int64(diagonal)) } }
    public func triu(_ diagonal: Int = 0) -> Tensor { unaryCall { ct_triu($0, Int64(diagonal)) } }
}
