import CTorch

extension Tensor {
    public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        let s = shimInts(shape)
        return Tensor.wrap(ct_zeros(s, Int32(s.count), dtype.rawValue, device.code), "zeros \(shape)")
    }

    public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        let s = shimInts(shape)
        return Tensor.wrap(ct_ones(s, Int32(s.count), dtype.rawValue, device.code), "ones \(shape)")
    }

    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        let s = shimInts(shape)
        return Tensor.wrap(ct_full(s, Int32(s.count), value, dtype.rawValue, device.code), "full \(shape)")
    }

    /// Values start, start+step, … below end.
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType = .float32,
                              device: Device = .cpu) -> Tensor {
        Tensor.wrap(ct_arange(start, end, step, dtype.rawValue, device.code), "arange")
    }

    public static func linspace(_ start: Double, _ end: Double, count: Int, dtype: DType = .float32,
                                device: Device = .cpu) -> Tensor {
        Tensor.wrap(ct_linspace(start, end, Int64(count), dtype.rawValue, device.code), "linspace")
    }

    public static func eye(_ n: Int, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        Tensor.wrap(ct_eye(Int64(n), dtype.rawValue, device.code), "eye")
    }

    /// Standard normal samples from libtorch's seeded generator (see `Torch.manualSeed`).
    public static func randn(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        let s = shimInts(shape)
        return Tensor.wrap(ct_randn(s, Int32(s.count), dtype.rawValue, device.code), "randn \(shape)")
    }

    /// Uniform samples in [0, 1).
    public static func rand(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        let s = shimInts(shape)
        return Tensor.wrap(ct_rand(s, Int32(s.count), dtype.rawValue, device.code), "rand \(shape)")
    }

    /// Integers uniform in [low, high), int64.
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], device: Device = .cpu) -> Tensor {
        let s = shimInts(shape)
        return Tensor.wrap(ct_randint(Int64(low), Int64(high), s, Int32(s.count), device.code), "randint")
    }

    /// A random permutation of 0..<n, int64.
    public static func randperm(_ n: Int, device: Device = .cpu) -> Tensor {
        Tensor.wrap(ct_randperm(Int64(n), device.code), "randperm")
    }

    public func zerosLike() -> Tensor { unaryCall { ct_zeros_like($0) } }
    public func onesLike() -> Tensor { unaryCall { ct_ones_like($0) } }
    public func randnLike() -> Tensor { unaryCall { ct_randn_like($0) } }

    /// A shim tensor copied from host bytes; on failure records the error (or traps) and yields an undefined one.
    static func hostHandle(_ bytes: UnsafeRawBufferPointer, dtype: DType, shape: [Int], device: Device) -> OpaquePointer {
        let n = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 } && bytes.count == n * dtype.byteWidth,
                     "Tensor(bytes:): \(bytes.count) bytes for shape \(shape) of \(dtype)")
        let s = shimInts(shape)
        if let h = ct_from_host(bytes.baseAddress, dtype.rawValue, s, Int32(s.count), device.code) { return h }
        ErrorScope.fail("from host data \(shape)")
        return ct_undefined()
    }

    /// A tensor copied from raw little-endian host bytes of the given element type.
    public convenience init(bytes: UnsafeRawBufferPointer, dtype: DType, shape: [Int], device: Device = .cpu) {
        self.init(owning: Tensor.hostHandle(bytes, dtype: dtype, shape: shape, device: device))
    }

    /// A float32 tensor from values in C order.
    public convenience init(_ values: [Float], shape: [Int]? = nil, device: Device = .cpu) {
        let shape = shape ?? [values.count]
        self.init(owning: values.withUnsafeBytes { Tensor.hostHandle($0, dtype: .float32, shape: shape, device: device) })
    }

    /// A float64 tensor from values in C order.
    public convenience init(_ values: [Double], shape: [Int]? = nil, device: Device = .cpu) {
        let shape = shape ?? [values.count]
        self.init(owning: values.withUnsafeBytes { Tensor.hostHandle($0, dtype: .float64, shape: shape, device: device) })
    }

    /// An int64 tensor from values in C order.
    public convenience init(_ values: [Int64], shape: [Int]? = nil, device: Device = .cpu) {
        let shape = shape ?? [values.count]
        self.init(owning: values.withUnsafeBytes { Tensor.hostHandle($0, dtype: .int64, shape: shape, device: device) })
    }

    /// An int64 tensor from Ints.
    public convenience init(indices: [Int], shape: [Int]? = nil, device: Device = .cpu) {
        self.init(indices.map { Int64($0) }, shape: shape, device: device)
    }

    /// A bool tensor from values in C order.
    public convenience init(_ values: [Bool], shape: [Int]? = nil, device: Device = .cpu) {
        let shape = shape ?? [values.count]
        let bytes = values.map { UInt8($0 ? 1 : 0) }
        self.init(owning: bytes.withUnsafeBytes { Tensor.hostHandle($0, dtype: .bool, shape: shape, device: device) })
    }

    /// A 0-dimensional tensor.
    public convenience init(scalar: Double, dtype: DType = .float32, device: Device = .cpu) {
        let t = Tensor.full([], scalar, dtype: dtype, device: device)
        self.init(owning: withExtendedLifetime(t) { ct_alias(t.handle) ?? ct_undefined() })
    }
}
