import CTorch
import TensorIO

/// Element type of a `Tensor`.
public enum DType: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case float32 = 0, float64 = 1, float16 = 2, bfloat16 = 3
    case int64 = 4, int32 = 5, int16 = 6, int8 = 7, uint8 = 8, bool = 9

    public var isFloatingPoint: Bool { self == .float32 || self == .float64 || self == .float16 || self == .bfloat16 }

    public var byteWidth: Int { scalarType.byteWidth }

    /// The file-format element type with the same layout.
    public var scalarType: ScalarType {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        case .float16: return .float16
        case .bfloat16: return .bfloat16
        case .int64: return .int64
        case .int32: return .int32
        case .int16: return .int16
        case .int8: return .int8
        case .uint8: return .uint8
        case .bool: return .bool
        }
    }

    public init(_ scalarType: ScalarType) {
        switch scalarType {
        case .float32: self = .float32
        case .float64: self = .float64
        case .float16: self = .float16
        case .bfloat16: self = .bfloat16
        case .int64: self = .int64
        case .int32: self = .int32
        case .int16: self = .int16
        case .int8: self = .int8
        case .uint8: self = .uint8
        case .bool: self = .bool
        }
    }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        case .int64: return "int64"
        case .int32: return "int32"
        case .int16: return "int16"
        case .int8: return "int8"
        case .uint8: return "uint8"
        case .bool: return "bool"
        }
    }
}
