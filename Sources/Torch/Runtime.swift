import CTorch
import Foundation

/// Process-wide libtorch settings: seeding, threads, CUDA.
public enum Torch {
    /// Seeds libtorch's default generators (CPU and CUDA). Same seed + same device = same numbers.
    public static func manualSeed(_ seed: UInt64) { ct_manual_seed(seed) }

    /// Intra-op threads used by CPU kernels. Setting it sets the linked OpenBLAS's pool to the same count.
    public static var numThreads: Int {
        get { Int(ct_get_num_threads()) }
        set { ct_set_num_threads(Int32(newValue)) }
    }

    /// OpenBLAS's thread count, or nil where libtorch links another BLAS (MKL follows `numThreads` inside libtorch).
    public static var blasThreads: Int? {
        let n = Int(ct_blas_num_threads())
        return n > 0 ? n : nil
    }

    public static var cudaIsAvailable: Bool { ct_cuda_is_available() == 1 }
    public static var cudaDeviceCount: Int { Int(ct_cuda_device_count()) }

    /// TF32 for CUDA fp32 convolutions and matrix products: faster on Ampere and later, about 1e-3 relative error
    /// instead of fp32's 1e-6. libtorch allows it for convolutions unless told otherwise; no effect on the CPU.
    public static var allowTF32: Bool {
        get { ct_allow_tf32() == 1 }
        set { check(ct_set_allow_tf32(newValue ? 1 : 0), "set allow tf32") }
    }

    /// Waits for queued work on a CUDA device (no-op on the CPU).
    public static func synchronize(_ device: Device) {
        if case .cuda(let i) = device { check(ct_cuda_synchronize(Int32(i)), "cuda synchronize") }
    }

    /// The libtorch version this build links against.
    public static var version: String { String(cString: ct_version()) }

    /// The CPU generator's state, for exact resume of training.
    public static var cpuRNGState: [UInt8] {
        get {
            let n = ct_cpu_rng_state(nil, 0)
            guard n > 0 else { return [] }
            var bytes = [UInt8](repeating: 0, count: Int(n))
            _ = ct_cpu_rng_state(&bytes, n)
            return bytes
        }
        set {
            check(newValue.withUnsafeBufferPointer { ct_set_cpu_rng_state($0.baseAddress, Int64($0.count)) },
                  "set rng state")
        }
    }

    /// Peak resident memory of this process so far, in bytes (Linux VmHWM), or nil where unknown.
    public static var peakResidentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
            return kb.map { $0 * 1024 }
        }
        return nil
    }

    /// Nanoseconds per `a + b` when the loop runs inside the shim (C++), for the per-call overhead benchmark.
    public static func benchmarkNativeAddLoop(_ a: Tensor, _ b: Tensor, iterations: Int) -> Double {
        withExtendedLifetime((a, b)) { ct_bench_add_loop(a.handle, b.handle, Int64(iterations)) }
    }
}
