import Foundation

/// Turns a PyTorch strided view (storage offset, sizes, strides — all in elements) into a dense C-order
/// `HostTensor`. `torch.save` keeps views as they are (a transposed slice saves its whole base storage plus the
/// view), so the reader must honour offsets and arbitrary strides; every extent is checked against the storage.
enum StridedTensor {
    /// A view may repeat storage elements (stride 0 from `expand`), so its dense copy can be far larger than the
    /// file. Beyond the storage's own size we allow this much, so a crafted stride cannot exhaust memory.
    static let maxExpansionBytes = 1 << 30

    /// `allocate` is told the size of every copy before it is made, and may refuse it by throwing.
    static func materialize(storage: Data, scalarType: ScalarType, storageOffset: Int, shape: [Int], strides: [Int],
                            swapBytes: Bool, fail: (String) -> TensorIOError,
                            allocate: (Int) throws -> Void = { _ in }) throws -> HostTensor {
        let width = scalarType.byteWidth
        guard shape.count == strides.count, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }),
              storageOffset >= 0 else {
            throw fail("invalid view: offset \(storageOffset), size \(shape), stride \(strides)")
        }
        guard let count = SafeMath.product(shape), let outBytes = SafeMath.multiply(count, width) else {
            throw fail("size \(shape) is too large")
        }
        if count == 0 { return HostTensor(scalarType: scalarType, shape: shape, bytes: Data()) }
        // The stride of a size-1 dimension is never used to reach an element, and PyTorch leaves it arbitrary;
        // zero it so no arithmetic below ever touches an arbitrary value.
        let strides = zip(shape, strides).map { $0 == 1 ? 0 : $1 }

        // The furthest element the view touches must lie inside the storage.
        var last = storageOffset
        for (size, stride) in zip(shape, strides) {
            guard let step = SafeMath.multiply(size - 1, stride), let sum = SafeMath.add(last, step) else {
                throw fail("view offset \(storageOffset), size \(shape), stride \(strides) overflows")
            }
            last = sum
        }
        let available = storage.count / width
        guard last < available else {
            throw fail("view offset \(storageOffset), size \(shape), stride \(strides) reaches element \(last), "
                       + "but its storage holds \(available) \(scalarType.rawValue) elements")
        }
        guard outBytes <= storage.count || outBytes <= maxExpansionBytes else {
            throw fail("view of \(outBytes) bytes expands its \(storage.count)-byte storage beyond the limit")
        }

        var bytes: Data
        let contiguous = isContiguous(shape: shape, strides: strides)
        if contiguous && storageOffset == 0 && outBytes == storage.count && !swapBytes {
            // The usual case, a parameter that is its whole storage: share the bytes instead of copying them.
            bytes = storage
        } else if contiguous {
            try allocate(outBytes)
            let start = storage.startIndex + storageOffset * width
            bytes = Data(storage[start..<(start + outBytes)])
        } else {
            try allocate(outBytes)
            bytes = gather(storage: storage, width: width, offset: storageOffset, shape: shape, strides: strides,
                           count: count, outBytes: outBytes)
        }
        if swapBytes && width > 1 { reverseElements(&bytes, width: width) }
        return HostTensor(scalarType: scalarType, shape: shape, bytes: bytes)
    }

    /// C-contiguous, ignoring the strides of size-1 dimensions (which PyTorch leaves arbitrary).
    static func isContiguous(shape: [Int], strides: [Int]) -> Bool {
        var expected = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
            if strides[i] != expected { return false }
            expected *= shape[i]
        }
        return true
    }

    /// Copies row by row: the outer dimensions are walked with an index counter, the innermost one is copied in
    /// one block when its stride is 1 and element by element otherwise. All extents were checked by the caller.
    private static func gather(storage: Data, width: Int, offset: Int, shape: [Int], strides: [Int],
                               count: Int, outBytes: Int) -> Data {
        var out = Data(count: outBytes)
        let rank = shape.count
        out.withUnsafeMutableBytes { dst in
            storage.withUnsafeBytes { src in
                guard let dstBase = dst.baseAddress, let srcBase = src.baseAddress else { return }
                let innerSize = shape[rank - 1]
                let innerStride = strides[rank - 1]
                var index = [Int](repeating: 0, count: rank)
                var rowStart = offset
                var written = 0
                for _ in 0..<(count / innerSize) {
                    if innerStride == 1 {
                        (dstBase + written).copyMemory(from: srcBase + rowStart * width, byteCount: innerSize * width)
                        written += innerSize * width
                    } else {
                        var element = rowStart
                        for _ in 0..<innerSize {
                            (dstBase + written).copyMemory(from: srcBase + element * width, byteCount: width)
                            written += width
                            element += innerStride
                        }
                    }
                    // Advance the outer index (dimensions 0..<rank-1) like an odometer.
                    var d = rank - 2
                    while d >= 0 {
                        index[d] += 1
                        rowStart += strides[d]
                        if index[d] < shape[d] { break }
                        rowStart -= strides[d] * shape[d]
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return out
    }

    /// Reverses the bytes of each element (big-endian data to little-endian).
    static func reverseElements(_ bytes: inout Data, width: Int) {
        bytes.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            var i = 0
            while i + width <= raw.count {
                var a = i, b = i + width - 1
                while a < b { swap(&base[a], &base[b]); a += 1; b -= 1 }
                i += width
            }
        }
    }
}
