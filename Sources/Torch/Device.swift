import CTorch

/// Where a tensor lives. The CLI spells it `cpu`, `cuda`, `cuda:1` or `auto`.
public enum Device: Equatable, Hashable, Sendable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    /// The shim's device code: -1 for the CPU, the index for CUDA.
    var code: Int32 {
        switch self {
        case .cpu: return -1
        case .cuda(let i): return Int32(i)
        }
    }

    init(code: Int32) { self = code < 0 ? .cpu : .cuda(Int(code)) }

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let i): return "cuda:\(i)"
        }
    }

    public var isCUDA: Bool { if case .cuda = self { return true } else { return false } }

    /// The best available device: the first GPU when libtorch sees one, else the CPU.
    public static var best: Device { Torch.cudaIsAvailable ? .cuda(0) : .cpu }

    /// Parses `auto`, `cpu`, `cuda` or `cuda:N`, checking that the device exists.
    public static func parse(_ text: String) throws -> Device {
        let lower = text.lowercased()
        if lower == "auto" { return best }
        if lower == "cpu" { return .cpu }
        if lower == "cuda" || lower.hasPrefix("cuda:") {
            let index: Int
            if lower == "cuda" {
                index = 0
            } else if let i = Int(lower.dropFirst(5)), i >= 0 {
                index = i
            } else {
                throw TorchError("invalid device '\(text)': expected auto, cpu, cuda or cuda:N")
            }
            let count = Torch.cudaDeviceCount
            guard index < count else {
                throw TorchError("device '\(text)' is not available: this libtorch (\(Torch.version)) sees \(count) CUDA device(s)")
            }
            return .cuda(index)
        }
        throw TorchError("invalid device '\(text)': expected auto, cpu, cuda or cuda:N")
    }
}
