import Foundation
import Models
import Torch

/// `gradstyle train encoder`: an e4e or pSp encoder trained for a frozen generator (`EncoderTrainer` steps in
/// `TrainingLoop`). Writes `out/checkpoint.safetensors` (exact resume; also an inversion model),
/// `out/model.safetensors` (encoder + generator + latent_avg) and `out/samples/` (source | reconstruction).
/// A resumed run takes its model and options from the checkpoint; the architecture fields are then unused.
public struct EncoderTrainingJob {
    /// The names `encoderType` takes.
    public static let encoderTypes = EncoderType.allCases.map(\.rawValue)

    /// A generator checkpoint (rosinality/pSp/e4e .pt, NVIDIA, or ours).
    public var generator: URL
    /// Folder of training images (recursive; resized and center-cropped to `inputSize`).
    public var data: URL
    public var steps: Int
    /// "e4e" or "psp".
    public var encoderType = "e4e"
    public var inputSize = 256
    /// The IR backbone: a reference depth (18, 50, 100, 152) or custom units per stage, widths × `width`.
    public var depth = 50
    public var units: [Int]?
    public var width = 1.0
    public var seReduction = 16
    /// Width of the map2style blocks (nil: the generator's style dim, as in the references).
    public var styleBlockWidth: Int?
    /// ArcFace IR-SE50 weights to start the backbone from, as pSp/e4e do.
    public var backboneWeights: URL?
    /// LPIPS weight files (the term is left out without them) and ArcFace weights for the ID loss.
    public var lpipsWeights: [URL] = []
    public var arcface: URL?
    public var options = EncoderTrainingOptions()
    /// Random horizontal flips of the training images.
    public var xflip = true
    /// Output folder, resume, device, messages and processes (`options.batch` is per process).
    public var trainingRun: TrainingRun

    public init(generator: URL, data: URL, out: URL, steps: Int) {
        (self.generator, self.data, self.steps) = (generator, data, steps)
        trainingRun = TrainingRun(out: out)
    }

    /// The backbone these values describe.
    public func backbone() throws -> IRBackboneConfig {
        var b = try IRBackboneConfig.depth(units == nil ? depth : 50, widthMultiplier: width, seReduction: seReduction)
        if let units {
            b.units = units
            try b.validate()
        }
        return b
    }

    public func run() throws {
        guard let type = EncoderType(rawValue: encoderType) else {
            throw ModelError("unknown encoder type '\(encoderType)': expected \(Self.encoderTypes.joined(separator: " or "))")
        }
        let rank = try trainingRun.join(verb: "train encoder",
                                        fields: ["generator": generator.path, "data": data.path, "steps": "\(steps)",
                                                 "encoder": "\(encoderType) \(inputSize) \(depth) \(units ?? []) \(width) \(seReduction)"
                                                     + (styleBlockWidth.map { " blocks \($0)" } ?? ""),
                                                 "weights": ([backboneWeights, arcface].compactMap { $0?.path } + lpipsWeights.map(\.path)).joined(separator: ","),
                                                 "xflip": "\(xflip)"],
                                        options: options)
        let (parallel, messages, out, device) = (rank.parallel, rank.messages, trainingRun.out, trainingRun.device)
        var options = options
        options.batch *= parallel.worldSize  // the global batch, which the loop splits by rank
        let session = try rank.openSession(inputs: [generator, data, backboneWeights, arcface] + lpipsWeights.map(Optional.some))
        let perceptual: LPIPS? = lpipsWeights.isEmpty ? nil : try LPIPS.load(network: .alex, files: lpipsWeights, device: device)
        if perceptual == nil, options.lambdaLPIPS > 0 { messages.note("no LPIPS weights: the LPIPS term is left out") }
        let identity = try arcface.map { try IDLoss.load($0, device: device) }

        let trainer: EncoderTrainer
        if session.resumes {
            let model = try InversionModel.load(out.appendingPathComponent(TrainingFiles.checkpoint))
            trainer = try EncoderTrainer.resuming(out, data: try dataset(resolution: model.inputSize),
                                                  perceptual: perceptual, identity: identity, device: device)
            messages.say("resumed at step \(trainer.step) (model and options from the checkpoint)")
        } else {
            let g = try GeneratorCheckpoint.load(generator, device: device).generator
            let config = EncoderConfig(type: type, generatorSize: g.size, styleDim: g.styleDim, backbone: try backbone(),
                                       inputSize: inputSize, styleBlockWidth: styleBlockWidth)
            try config.validate()
            let encoder = FPNStyleEncoder.make(config)
            if let backboneWeights {
                let report = try EncoderCheckpoint.loadBackbone(into: encoder, from: backboneWeights)
                messages.say("backbone: \(report.loaded.count) tensors from \(backboneWeights.relativePath), \(report.shapeMismatches.count) skipped (shape)")
            }
            let average: Tensor
            if let avg = g.latentAverage {
                average = avg
            } else {
                messages.note("the generator has no latent_avg: using the mean of 10,000 mapped z")
                average = g.meanLatent(count: 10_000)
            }
            let model = try InversionModel(encoder: encoder, generator: g, latentAverage: average)
            trainer = try EncoderTrainer(model: model, data: try dataset(resolution: inputSize), options: options,
                                         perceptual: perceptual, identity: identity, device: device)
        }
        trainer.quiet = !rank.printsProgress
        let c = trainer.model.encoderConfig
        guard try session.train(TrainingLoop(trainer, parallel: parallel), until: .steps(steps), description: { target in
            "training \(c.type.rawValue) encoder (\(trainer.model.encoder.parameterCount.grouped) parameters, " +
                "\(c.inputSize)² input, \(c.styleCount) styles) for a \(trainer.model.generator.size)² generator until step \(target)"
        }) else { return }
        messages.say("done: \(out.relativePath)/\(EncoderTrainer.modelName) (inversion model), \(out.relativePath)/\(TrainingFiles.checkpoint) (resume)")
    }

    func dataset(resolution: Int) throws -> ImageFolderDataset {
        var dataOptions = ImageFolderDataset.Options(resolution: resolution)
        dataOptions.horizontalFlip = xflip
        dataOptions.device = trainingRun.device
        return try ImageFolderDataset(root: data, options: dataOptions)
    }
}
