import Foundation
import Models
import Torch

/// `gradstyle train stylegan2`: a StyleGAN2 generator trained from scratch on an image folder (`StyleGAN2Trainer`
/// steps in `TrainingLoop`). Writes `out/checkpoint.safetensors` (exact resume), `out/generator.safetensors` (the
/// EMA generator) and `out/samples/`.
public struct StyleGAN2TrainingJob {
    /// Folder of training images (searched recursively; resized and center-cropped to `resolution`).
    public var data: URL
    public var length: TrainingLength
    /// The generator: square output size (a power of two), style (z and w) dimension, mapping depth, and channel
    /// widths per resolution (nil: rosinality's table × `channelMultiplier`).
    public var resolution: Int
    public var styleDim = 512
    public var mappingLayers = 8
    public var channelMultiplier = 2
    public var channels: [Int: Int]?
    /// The discriminator's minibatch-stddev group size. In a data-parallel run each process groups its own rows
    /// (as multi-GPU StyleGAN2 training does), so only with 1 is D's output independent of the split.
    public var stddevGroup = 4
    public var options = StyleGAN2TrainingOptions()
    /// Output folder, resume, device, messages and processes (`options.batch` is per process).
    public var trainingRun: TrainingRun

    public init(data: URL, out: URL, resolution: Int, length: TrainingLength) {
        (self.data, self.resolution, self.length) = (data, resolution, length)
        trainingRun = TrainingRun(out: out)
    }

    public func run() throws {
        try Self.checkStddevGroup(stddevGroup, batch: options.batch)
        var config = GeneratorConfig(size: resolution, styleDim: styleDim, mappingLayers: mappingLayers,
                                     channelMultiplier: channelMultiplier)
        if let channels { config.channels = channels }
        try config.validate()
        let rank = try trainingRun.join(verb: "train stylegan2",
                                        fields: ["data": data.path, "length": "\(length)",
                                                 "generator": "\(resolution) \(styleDim) \(mappingLayers) \(config.channels.sorted { $0.key < $1.key })",
                                                 "stddev_group": "\(stddevGroup)"],
                                        options: options)
        let (parallel, messages, out, device) = (rank.parallel, rank.messages, trainingRun.out, trainingRun.device)
        var options = options
        options.batch *= parallel.worldSize  // the global batch, which the loop splits by rank (and the EMA decay uses)
        var dataOptions = ImageFolderDataset.Options(resolution: resolution)
        dataOptions.device = device
        let dataset = try ImageFolderDataset(root: data, options: dataOptions)
        let session = try rank.openSession()
        let trainer = try StyleGAN2Trainer(generator: config, data: dataset, options: options, stddevGroup: stddevGroup,
                                           device: device)
        trainer.quiet = !rank.printsProgress
        let loop = TrainingLoop(trainer, parallel: parallel)
        try session.resumeIfAsked(loop)
        guard try session.train(loop, until: length, description: { target in
            "training \(resolution)² StyleGAN2 (\(trainer.generator.parameterCount.grouped) generator parameters) on \(dataset.count) images until step \(target)"
        }) else { return }
        messages.say("done: \(out.relativePath)/\(StyleGAN2Trainer.generatorName) (EMA generator), \(out.relativePath)/\(TrainingFiles.checkpoint) (resume)")
    }

    /// D's minibatch-stddev layer splits the rows it sees into groups of min(rows, `group`) (rosinality's rule), so
    /// a process's batch must be smaller than the group or a multiple of it. In a data-parallel run each process's
    /// D sees only its own `batch` rows (as with PyTorch DDP, where NVIDIA's train.py requires the per-GPU batch to
    /// hold whole groups), so this holds per process. Checked before anything starts, on every rank alike.
    static func checkStddevGroup(_ group: Int, batch: Int) throws {
        guard batch >= 1, group >= 1, batch % Swift.min(batch, group) != 0 else { return }
        throw PipelineError("the batch per process, \(batch), does not split into the discriminator's minibatch-stddev " +
                                "groups of \(group): use a multiple of \(group) or fewer than \(group) images per process")
    }
}
