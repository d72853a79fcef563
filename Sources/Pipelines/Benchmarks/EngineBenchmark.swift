import Foundation
import Torch

/// `gradstyle bench engine`: what one op call costs from Swift compared with the same loop inside the shim, and the
/// machine's practical convolution throughput (the peak later benchmarks are compared to).
public struct EngineBenchmark {
    public struct Result: Codable {
        public var swiftNanosecondsPerCall: Double
        public var nativeNanosecondsPerCall: Double
        public var overheadNanoseconds: Double { swiftNanosecondsPerCall - nativeNanosecondsPerCall }
        public var convGFLOPS: Double
        public var convShape: String
        public var threads: Int
        /// OpenBLAS's pool (nil: another BLAS).
        public var blasThreads: Int?
        /// OMP_WAIT_POLICY as this process runs under it (nil: libgomp's default, spinning).
        public var waitPolicy: String?
        public var device: String
        public var libtorch: String
    }

    public var device: Device
    public var repeats: Int

    public init(device: Device = .cpu, repeats: Int = 5) {
        self.device = device
        self.repeats = repeats
    }

    /// Median of `repeats` timings of `body`, in seconds.
    static func median(_ repeats: Int, _ body: () -> Void) -> Double {
        var times = [Double]()
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    public func run(progress: ProgressReporter? = nil) -> Result {
        withInferenceMode {
            let a = Tensor.ones([4], device: device), b = Tensor.ones([4], device: device)
            let iterations = 20_000
            _ = Torch.benchmarkNativeAddLoop(a, b, iterations: 1000)  // warm-up
            let native = (0..<repeats).map { _ in Torch.benchmarkNativeAddLoop(a, b, iterations: iterations) }.sorted()[repeats / 2]
            progress?.advance()
            let swiftSeconds = EngineBenchmark.median(repeats) {
                for _ in 0..<iterations { _ = a + b }
            }
            progress?.advance()
            // A StyleGAN2-like 3×3 conv, 512→512 channels at 32² (batch 4): big enough to reach the kernel's peak.
            let (n, c, h, w) = (4, 512, 32, 32)
            let x = Tensor.randn([n, c, h, w], device: device), k = Tensor.randn([c, c, 3, 3], device: device)
            _ = Functional.conv2d(x, weight: k, padding: (1, 1))
            Torch.synchronize(device)
            let convSeconds = EngineBenchmark.median(repeats) {
                _ = Functional.conv2d(x, weight: k, padding: (1, 1))
                Torch.synchronize(device)
            }
            progress?.advance()
            let flops = 2.0 * Double(n * c * h * w) * Double(c * 9)
            return Result(swiftNanosecondsPerCall: swiftSeconds * 1e9 / Double(iterations),
                          nativeNanosecondsPerCall: native,
                          convGFLOPS: flops / convSeconds / 1e9,
                          convShape: "conv2d 3x3 \(c)->\(c) on \(n)x\(c)x\(h)x\(w)",
                          threads: Torch.numThreads, blasThreads: Torch.blasThreads, waitPolicy: OpenMPWaitPolicy.current,
                          device: device.description,
                          libtorch: Torch.version)
        }
    }
}
