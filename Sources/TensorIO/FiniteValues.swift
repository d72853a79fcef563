import Foundation

/// The one check that numbers read from a file are usable: every floating-point element finite and no larger in
/// magnitude than a limit. A NaN weight, latent or direction otherwise flows silently into black images or a NaN
/// training run, so every reader (safetensors, `.pt`, `.npy`) refuses such a tensor at load, naming it.
public enum FiniteValues {
    /// The limit every reader applies: beyond it a value overflows float32 when squared (≈3.4e38), as
    /// normalisations (demodulation, pixel norm, batch-norm variance) do, so no working network holds one.
    public static let readerLimit: Double = 1e19

    /// The limit for latent codes and editing directions: W/z codes and directions are O(1)–O(10); a code a
    /// million times larger is a broken file, not an extreme edit.
    public static let latentLimit: Double = 1e6

    /// A description of the first bad element of `tensor` ("NaN at element 3", "1e+30 at element 0, beyond
    /// ±1e+19"), or nil when every element is finite and within `limit`. Integer tensors are always fine.
    public static func firstProblem(in tensor: HostTensor, limit: Double = readerLimit) -> String? {
        let n = tensor.elementCount
        func describe(_ value: Double, _ index: Int) -> String? {
            if value.isNaN { return "NaN at element \(index)" }
            if value.isInfinite { return "\(value > 0 ? "+" : "-")infinity at element \(index)" }
            if abs(value) > limit { return "\(value) at element \(index), beyond ±\(limit)" }
            return nil
        }
        return tensor.bytes.withUnsafeBytes { raw -> String? in
            switch tensor.scalarType {
            case .float32:
                let bound = Float(min(limit, Double(Float.greatestFiniteMagnitude)))
                for i in 0..<n {
                    let v = raw.loadUnaligned(fromByteOffset: i * 4, as: Float.self)
                    // One comparison for the usual case; NaN fails it too.
                    if !(abs(v) <= bound) { return describe(Double(v), i) }
                }
            case .float64:
                for i in 0..<n {
                    let v = raw.loadUnaligned(fromByteOffset: i * 8, as: Double.self)
                    if !(abs(v) <= limit) { return describe(v, i) }
                }
            case .float16, .bfloat16:
                for (i, v) in tensor.floats().enumerated() where !(abs(Double(v)) <= limit) {
                    return describe(Double(v), i)
                }
            case .int64, .int32, .int16, .int8, .uint8, .bool:
                break
            }
            return nil
        }
    }

    /// Throws "PATH: LABEL holds NaN at element 3 …" when `tensor` fails `firstProblem`.
    public static func check(_ tensor: HostTensor, label: String, path: String, limit: Double = readerLimit) throws {
        if let problem = firstProblem(in: tensor, limit: limit) {
            throw TensorIOError(path: path, "\(label) holds \(problem): refusing non-finite or absurd values")
        }
    }
}
