import Foundation
import Models
import Torch

/// `gradstyle train stylegan2`: a StyleGAN2 generator trained from scratch on an image folder (`StyleGAN2Trainer`
/// steps in `TrainingLoop`). Writes `out/checkpoint.safetensors` (exact resume), `out/generator.safetensors` (the
/// EMA generator) and `out/samples/`.
public struct StyleGAN2TrainingJob {
    /// Folder of training images (searched recursively; resized and center-cropped to `resolution`).
    public var data: URL
    public var out: URL
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
    /// Continue `out/checkpoint.safetensors` (without it, a folder holding one is refused).
    public var resume = false
    public var device: Device = .cpu
    public var quiet = false
    public var messages = TrainingMessages()
    /// One process, or one rank of a data-parallel run (`options.batch` is then per rank).
    public var distributed = DistributedTraining()

    public init(data: URL, out: URL, resolution: Int, length: TrainingLength) {
        (self.data, self.out, self.resolution, self.length) = (data, out, resolution, length)
    }

    public func run() throws {
        try Self.checkStddevGroup(stddevGroup, batch: options.batch)
        var config = GeneratorConfig(size: resolution, styleDim: styleDim, mappingLayers: mappingLayers,
                                     channelMultiplier: channelMultiplier)
        if let channels { config.channels = channels }
        try config.validate()
        let parallel = try distributed.join(job: ["verb": "train stylegan2", "data": data.path, "out": out.path,
                                                  "length": "\(length)", "resume": "\(resume)",
                                                  "generator": "\(resolution) \(styleDim) \(mappingLayers) \(config.channels.sorted { $0.key < $1.key })",
                                                  "stddev_group": "\(stddevGroup)"],
                                            options: options, device: device)
        var options = options
        options.batch *= parallel.worldSize  // the global batch, which the loop splits by rank (and the EMA decay uses)
        let messages = parallel.writesOutputs ? self.messages : TrainingMessages(say: { _ in }, note: { _ in })
        var dataOptions = ImageFolderDataset.Options(resolution: resolution)
        dataOptions.device = device
        let dataset = try ImageFolderDataset(root: data, options: dataOptions)
        let session = try TrainingSession(out: out, resume: resume, messages: messages, writes: parallel.writesOutputs)
        let trainer = try StyleGAN2Trainer(generator: config, data: dataset, options: options, stddevGroup: stddevGroup,
                                           device: device)
        trainer.quiet = quiet || !parallel.writesOutputs
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
