import Foundation
import Models
import Torch

/// `gradstyle bench generator`: synthesis speed for random weights of the real shapes (or a given checkpoint),
/// per modulation strategy, at batch 1 and the best batch, with GFLOP/s against the engine's conv peak.
public struct GeneratorBenchmark {
    public struct Row: Codable {
        public var strategy: String
        public var batch: Int
        public var secondsPerBatch: Double
        public var imagesPerSecond: Double
        public var gflops: Double
        public var percentOfPeak: Double
    }

    public struct Result: Codable {
        public var size: Int
        public var parameters: Int
        /// Multiply-adds of one image's convolutions ×2.
        public var flopsPerImage: Double
        public var convPeakGFLOPS: Double
        public var peakResidentBytes: Int?
        public var rows: [Row]
    }

    public var generator: Generator
    public var device: Device
    public var batches: [Int]
    public var repeats: Int

    public init(generator: Generator, device: Device = .cpu, batches: [Int] = [1, 4, 8], repeats: Int = 3) {
        self.generator = generator
        self.device = device
        self.batches = batches
        self.repeats = repeats
    }

    /// Convolution FLOPs of one synthesis (modulated convs and ToRGBs; the blur and mapping are small next to them).
    public static func flopsPerImage(_ c: GeneratorConfig) -> Double {
        var flops = 0.0
        var inC = c.channels[4]!
        func conv(_ cin: Int, _ cout: Int, _ k: Int, _ pixels: Int) -> Double { 2 * Double(cin * cout * k * k * pixels) }
        flops += conv(inC, inC, 3, 16) + conv(inC, 3, 1, 16)
        for r in c.resolutions.dropFirst() {
            let out = c.channels[r]!
            // the upsampling conv runs as a transposed conv: every input pixel feeds a 3×3 window of outputs
            flops += conv(inC, out, 3, (r / 2) * (r / 2))
            flops += conv(out, out, 3, r * r) + conv(out, 3, 1, r * r)
            inC = out
        }
        return flops
    }

    public func run(convPeakGFLOPS: Double, progress: ProgressReporter? = nil) -> Result {
        let g = generator
        let perImage = GeneratorBenchmark.flopsPerImage(g.config)
        var rows: [Row] = []
        withInferenceMode {
            for strategy in ModulationStrategy.allCases {
                g.modulationStrategy = strategy
                for b in batches {
                    let w = Tensor.randn([b, g.latentCount, g.styleDim], device: device)
                    let t = BatchTiming.measure(batch: b, flopsPerImage: perImage, convPeakGFLOPS: convPeakGFLOPS,
                                                repeats: repeats, device: device) { _ = g.synthesis(w) }
                    rows.append(Row(strategy: strategy.rawValue, batch: b, secondsPerBatch: t.secondsPerBatch,
                                    imagesPerSecond: t.imagesPerSecond, gflops: t.gflops, percentOfPeak: t.percentOfPeak))
                    progress?.advance()
                }
            }
        }
        return Result(size: g.size, parameters: g.parameterCount, flopsPerImage: perImage, convPeakGFLOPS: convPeakGFLOPS,
                      peakResidentBytes: Torch.peakResidentBytes, rows: rows)
    }
}
