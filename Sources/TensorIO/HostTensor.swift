import Foundation

/// Element types that appear in checkpoints and tensor files. Raw values are the safetensors dtype names.
public enum ScalarType: String, CaseIterable, Sendable {
    case float64 = "F64", float32 = "F32", float16 = "F16", bfloat16 = "BF16"
    case int64 = "I64", int32 = "I32", int16 = "I16", int8 = "I8", uint8 = "U8", bool = "BOOL"

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }
    public var isFloatingPoint: Bool { [.float64, .float32, .float16, .bfloat16].contains(self) }
}

/// A dense, C-contiguous tensor in host memory, little-endian: what every file reader produces and every writer
/// consumes. It knows nothing about libtorch; the Torch layer converts it to and from `Tensor`.
public struct HostTensor: Sendable, Equatable {
    public var scalarType: ScalarType
    public var shape: [Int]
    /// Exactly `elementCount * scalarType.byteWidth` bytes, little-endian, C order.
    public var bytes: Data

    public init(scalarType: ScalarType, shape: [Int], bytes: Data) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(bytes.count == shape.reduce(1, *) * scalarType.byteWidth,
                     "HostTensor: \(bytes.count) bytes for shape \(shape) of \(scalarType)")
        self.scalarType = scalarType
        self.shape = shape
        self.bytes = bytes
    }

    public var elementCount: Int { shape.reduce(1, *) }

    /// The byte size of a dense tensor of `shape`, or `nil` if a dimension is negative or the size overflows.
    /// Readers check this before building a `HostTensor`, whose initialiser treats a mismatch as a bug.
    public static func byteCount(shape: [Int], scalarType: ScalarType) -> Int? {
        guard let n = SafeMath.product(shape) else { return nil }
        return SafeMath.multiply(n, scalarType.byteWidth)
    }

    /// A float32 tensor from values.
    public init(float32 values: [Float], shape: [Int]) {
        let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
        self.init(scalarType: .float32, shape: shape, bytes: data)
    }

    /// The elements converted to Float (float16/bfloat16 widened exactly; integers converted).
    public func floats() -> [Float] {
        bytes.withUnsafeBytes { raw -> [Float] in
            let n = elementCount
            switch scalarType {
            case .float32: return (0..<n).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
            case .float64: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self)) }
            case .float16:
                return (0..<n).map { Float(halfBits: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
            case .bfloat16:
                return (0..<n).map {
                    Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) << 16)
                }
            case .int64: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
            case .int32: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
            case .int16: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
            case .int8: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: $0, as: Int8.self)) }
            case .uint8, .bool: return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: $0, as: UInt8.self)) }
            }
        }
    }
}

extension Float {
    /// IEEE 754 binary16 → binary32, exact (subnormals, infinities and NaN included).
    public init(halfBits h: UInt16) {
        let sign = UInt32(h >> 15) << 31
        let exp = Int((h >> 10) & 0x1f)
        let mant = UInt32(h & 0x3ff)
        if exp == 0 {
            let magnitude = Float(mant) * Float(sign: .plus, exponent: -24, significand: 1)
            self = sign != 0 ? -magnitude : magnitude
        } else if exp == 31 {
            self = Float(bitPattern: sign | 0x7f80_0000 | (mant << 13))
        } else {
            self = Float(bitPattern: sign | (UInt32(exp + 112) << 23) | (mant << 13))
        }
    }
}
