import Foundation
import Models
import Torch

/// `gradstyle bench encoder`: the e4e forward pass (IR-SE-50 at 256², 18 styles for a 1024² generator, random
/// weights of the official shapes, or a given model's encoder) at several batch sizes, in inference mode: images/s
/// and GFLOP/s against the engine's measured conv peak, with batch 1 and the best batch picked out.
public struct EncoderBenchmark {
    public typealias Row = BatchTiming

    public struct Result: Codable {
        public var type: String
        public var inputSize: Int
        public var styles: Int
        public var parameters: Int
        /// Convolution and linear multiply-adds of one image ×2.
        public var flopsPerImage: Double
        public var convPeakGFLOPS: Double
        public var peakResidentBytes: Int?
        public var rows: [Row]
        /// The batch with the most images per second.
        public var best: Row? { rows.max { $0.imagesPerSecond < $1.imagesPerSecond } }
    }

    public var encoder: FPNStyleEncoder
    public var device: Device
    public var batches: [Int]
    public var repeats: Int

    public init(encoder: FPNStyleEncoder, device: Device = .cpu, batches: [Int] = [1, 4, 8], repeats: Int = 3) {
        self.encoder = encoder
        self.device = device
        self.batches = batches
        self.repeats = repeats
    }

    /// The official e4e encoder's shapes with random weights.
    public static func officialE4E() -> FPNStyleEncoder { Encoder4Editing(.official(.e4e, generatorSize: 1024)) }

    /// FLOPs (2 × multiply-adds) of one forward pass: stem, every unit's convs (and projection shortcut and SE),
    /// the lateral 1×1 convs and every map2style block (all deltas active). Normalisation and activations are left
    /// out (small next to the convs).
    public static func flopsPerImage(_ c: EncoderConfig) -> Double {
        func conv(_ cin: Int, _ cout: Int, _ k: Int, _ side: Int) -> Double { 2 * Double(cin * cout * k * k * side * side) }
        let b = c.backbone
        var side = c.inputSize
        var flops = conv(b.inputChannels, b.widths[0], 3, side)
        for unit in b.bottlenecks {
            let out = side / unit.stride
            flops += conv(unit.inChannels, unit.depth, 3, side) + conv(unit.depth, unit.depth, 3, out)
            if unit.inChannels != unit.depth { flops += conv(unit.inChannels, unit.depth, 1, out) }
            if b.mode == .irSE { flops += 2 * conv(unit.depth, unit.depth / b.seReduction, 1, 1) }
            side = out
        }
        flops += conv(b.widths[2], b.widths[3], 1, c.inputSize / 8) + conv(b.widths[1], b.widths[3], 1, c.inputSize / 4)
        for i in 0..<c.styleCount {
            var s = c.featureSize(forStyle: i)
            for k in 0..<GradualStyleBlock.convCount(spatial: s) {
                s = Swift.max(1, s / 2)
                flops += conv(k == 0 ? c.pyramidChannels : c.styleDim, c.styleDim, 3, s)
            }
            flops += 2 * Double(c.styleDim * c.styleDim)
        }
        return flops
    }

    public func run(convPeakGFLOPS: Double, progress: ProgressReporter? = nil) -> Result {
        let e = encoder
        e.to(device: device).eval()
        let c = e.config
        let perImage = EncoderBenchmark.flopsPerImage(c)
        var rows: [Row] = []
        withInferenceMode {
            for b in batches {
                let x = Tensor.randn([b, c.backbone.inputChannels, c.inputSize, c.inputSize], device: device)
                rows.append(BatchTiming.measure(batch: b, flopsPerImage: perImage, convPeakGFLOPS: convPeakGFLOPS,
                                                repeats: repeats, device: device) { _ = e.encode(x) })
                progress?.advance()
            }
        }
        return Result(type: c.type.rawValue, inputSize: c.inputSize, styles: c.styleCount, parameters: e.parameterCount,
                      flopsPerImage: perImage, convPeakGFLOPS: convPeakGFLOPS, peakResidentBytes: Torch.peakResidentBytes,
                      rows: rows)
    }
}
