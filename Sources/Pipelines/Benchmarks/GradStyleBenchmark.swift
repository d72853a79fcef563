import Foundation
import Models
import NN
import Torch

/// `bench gradstyle`: the latency of each stage of real-image editing — encode (e4e), the plain generator on the
/// code (what e4e alone costs), the Reconstruction Stream (generator + GRMs + fusion), the Editing Stream (generator +
/// Aligners + fusion) — and of the whole "invert + one edit", at several batch sizes: medians of repeated,
/// synchronised runs after a warm-up, images/s, and GFLOP/s of the encoder and generator convolutions against the
/// engine's conv peak. With `hfgi` set, HFGI's "invert + one edit" (encoder, first pass, ADA, residual encoder, two
/// conditioned passes and the edited code's plain pass) is timed in the same run, at the same batch sizes.
public struct GradStyleBenchmark {
    public struct Row: Codable {
        public var stage: String
        public var batch: Int
        public var secondsPerBatch: Double
        public var secondsPerImage: Double
        public var imagesPerSecond: Double
        /// Convolution GFLOP/s of the encoder or generator the stage runs (nil where not counted).
        public var gflops: Double?
        public var percentOfPeak: Double?
    }

    public struct Result: Codable {
        public var description: String
        public var resolution: Int
        public var encoderInput: Int
        public var stages: [Int]
        public var attention: String
        public var parameters: [String: Int]
        public var encoderGFLOPPerImage: Double?
        public var generatorGFLOPPerImage: Double
        public var convPeakGFLOPS: Double
        public var threads: Int
        public var device: String
        public var peakResidentBytes: Int?
        public var rows: [Row]
    }

    public static let stageNames = ["encode", "generator", "reconstruction stream", "editing stream", "invert + one edit"]
    public static let hfgiStage = "hfgi invert + one edit"

    public var model: GradStyleModel
    public var description: String
    public var device: Device
    public var batches: [Int]
    public var repeats: Int
    /// HFGI to time beside GradStyle (nil: GradStyle only).
    public var hfgi: HFGIModel?

    public init(model: GradStyleModel, description: String, device: Device = .cpu, batches: [Int] = [1, 2, 4], repeats: Int = 3) {
        self.model = model
        self.description = description
        self.device = device
        self.batches = batches
        self.repeats = repeats
    }

    /// GradStyle with the official FFHQ shapes and random weights: e4e (IR-SE50, 256² input, 18 styles), the 1024²
    /// StyleGAN2 generator, and the default GradStyle network (stages 16, 32, 64; widths of GRADSTYLE.md).
    public static func official(size: Int = 1024, config base: GradStyleConfig = GradStyleConfig(), device: Device = .cpu) throws -> GradStyleModel {
        let encoder = Encoder4Editing(.official(.e4e, generatorSize: size)).to(device: device)
        let generator = Generator(GeneratorConfig(size: size)).to(device: device)
        let config = try GradStyleModel.makeConfig(base, encoder: encoder, generator: generator)
        let network = try GradStyleNetwork(config).to(device: device)
        let model = GradStyleModel(encoder: encoder, generator: generator, network: network,
                                   latentAverage: Tensor.zeros([generator.styleDim], device: device))
        return model
    }

    /// HFGI with the official networks and random weights on a GradStyle model's encoder and generator (the same
    /// e4e, so the two methods differ only in what they add to it).
    public static func officialHFGI(on model: GradStyleModel, device: Device = .cpu) throws -> HFGIModel {
        guard let encoder = model.encoder as? FPNStyleEncoder else { throw ModelError("HFGI needs a pSp/e4e encoder") }
        let inversion = try InversionModel(encoder: encoder, generator: model.generator,
                                           latentAverage: model.latentAverage ?? Tensor.zeros([model.generator.styleDim], device: device))
        return try HFGIModel(inversion: inversion, config: .official)
    }

    public func run(convPeakGFLOPS: Double, progress: ProgressReporter? = nil) -> Result {
        let m = model
        m.generator.eval()
        m.network.eval()
        let generatorFlops = GeneratorBenchmark.flopsPerImage(m.generator.config)
        let encoderFlops = (m.encoder as? FPNStyleEncoder).map { EncoderBenchmark.flopsPerImage($0.config) }
        var rows: [Row] = []
        withInferenceMode {
            for b in batches {
                let x = Tensor.randn([b, 3, m.encoder.inputSize, m.encoder.inputSize], device: device).clamp(min: -1, max: 1)
                let (w, pyramid) = m.encode(x)
                // An edit along a random unit direction at a typical strength: the cost does not depend on which.
                let direction = Tensor.randn([1, 1, m.generator.styleDim], device: device)
                let step = direction / direction.square().sum().sqrt() * 3
                let edited = w + step
                let rec = m.reconstruct(latent: w, pyramid: pyramid)
                let bodies: [(String, Double?, () -> Void)] = [
                    ("encode", encoderFlops, { _ = m.encode(x) }),
                    ("generator", generatorFlops, { _ = m.generator.synthesis(w) }),
                    ("reconstruction stream", generatorFlops, { _ = m.reconstruct(latent: w, pyramid: pyramid) }),
                    ("editing stream", generatorFlops, { _ = m.edit(rec, editedLatent: edited) }),
                    ("invert + one edit", nil, {
                        let r = m.reconstruct(x)
                        _ = m.edit(r, editedLatent: r.latent + step)
                    }),
                ]
                for (stage, flops, body) in bodies {
                    let t = BatchTiming.measure(batch: b, flopsPerImage: flops ?? 0, convPeakGFLOPS: convPeakGFLOPS,
                                                repeats: repeats, device: device, body)
                    rows.append(Row(stage: stage, batch: b, secondsPerBatch: t.secondsPerBatch,
                                    secondsPerImage: t.secondsPerBatch / Double(b), imagesPerSecond: t.imagesPerSecond,
                                    gflops: flops == nil ? nil : t.gflops, percentOfPeak: flops == nil ? nil : t.percentOfPeak))
                    progress?.advance(status: "\(stage) batch \(b)")
                }
                if let h = hfgi {
                    h.eval()
                    let xh = Tensor.randn([b, 3, h.inputSize, h.inputSize], device: device).clamp(min: -1, max: 1)
                    let n = Tensor.randn([1, 1, h.generator.styleDim], device: device)
                    let hfgiStep = n / n.square().sum().sqrt() * 3
                    let t = BatchTiming.measure(batch: b, flopsPerImage: 0, convPeakGFLOPS: convPeakGFLOPS, repeats: repeats,
                                                device: device) {
                        let (rec, residual) = h.reconstruct(xh)
                        _ = h.edit(residual: residual, editedLatent: rec.latent + hfgiStep)
                    }
                    rows.append(Row(stage: GradStyleBenchmark.hfgiStage, batch: b, secondsPerBatch: t.secondsPerBatch,
                                    secondsPerImage: t.secondsPerBatch / Double(b), imagesPerSecond: t.imagesPerSecond,
                                    gflops: nil, percentOfPeak: nil))
                    progress?.advance(status: "hfgi batch \(b)")
                }
            }
        }
        var parameters = ["encoder": (m.encoder as Module).parameterCount, "generator": m.generator.parameterCount,
                          "gradstyle": m.network.parameterCount]
        if let h = hfgi { parameters["hfgi"] = h.residue.parameterCount + h.gridAlign.parameterCount }
        let c = m.network.config
        return Result(description: description, resolution: m.generator.size, encoderInput: m.encoder.inputSize,
                      stages: c.stages, attention: c.attention.rawValue,
                      parameters: parameters,
                      encoderGFLOPPerImage: encoderFlops.map { $0 / 1e9 }, generatorGFLOPPerImage: generatorFlops / 1e9,
                      convPeakGFLOPS: convPeakGFLOPS, threads: Torch.numThreads, device: device.description,
                      peakResidentBytes: Torch.peakResidentBytes, rows: rows)
    }

    /// The fastest batch (images/s) of a stage.
    public static func best(_ rows: [Row], stage: String) -> Row? {
        rows.filter { $0.stage == stage }.max { $0.imagesPerSecond < $1.imagesPerSecond }
    }
}
