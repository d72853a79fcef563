import ArgumentParser
import Foundation
import Pipelines

struct TrainStyleGAN2Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stylegan2",
        abstract: "Train a StyleGAN2 generator on an image folder (checkpoints every N steps; --resume continues exactly).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var distributed: DistributedOptions

    @Option(help: "Folder of PNG/JPEG images (searched recursively; resized and center-cropped).")
    var data: String

    @Option(help: "Square training resolution (power of two).")
    var resolution: Int

    @Option(help: "Output folder: checkpoint.safetensors, generator.safetensors (EMA), samples/.")
    var out: String

    @Option(parsing: .unconditional, help: "Train until this many steps (one step = one batch for D and G).")
    var steps: Int?

    @Option(parsing: .unconditional, help: "Or until this many thousand real images have been shown.")
    var kimg: Double?

    @Option(help: "Channel widths per resolution, e.g. 4:256,8:256,16:128,32:64,64:32 (default: rosinality's table × --channel-multiplier).")
    var channels: String?

    @Option(help: "Multiplier of the default channel table.")
    var channelMultiplier: Int = 2

    @Option(help: "Style (z and w) dimension.")
    var styleDim: Int = 512

    @Option(help: "Mapping network depth.")
    var mappingLayers: Int = 8

    @Option var batch: Int = 16
    @Option(name: .customLong("lr")) var learningRate: Double = 0.002
    @Option(help: "R1 weight γ.") var r1: Double = 10
    @Option(help: "Path-length weight (0: off).") var pathRegularize: Double = 2
    @Option(help: "Style-mixing probability.") var mixing: Double = 0.9
    @Option(help: "EMA half-life in thousands of images.") var emaKimg: Double = 10
    @Flag(help: "Disable random horizontal flips.") var noXflip = false
    @Option var sampleEvery: Int = 500
    @Option var checkpointEvery: Int = 500
    @Flag(help: "Continue from OUT/checkpoint.safetensors.") var resume = false

    func validate() throws {
        guard steps != nil || kimg != nil else { throw ValidationError("give --steps or --kimg") }
        try OptionCheck.count(steps, "--steps")
        try OptionCheck.positive(kimg, "--kimg", max: 1_000_000)
        try OptionCheck.batch(batch)
        try OptionCheck.count(channelMultiplier, "--channel-multiplier", max: 64)
        try OptionCheck.count(styleDim, "--style-dim", max: 4096)
        try OptionCheck.count(mappingLayers, "--mapping-layers", max: 64)
        try OptionCheck.positive(learningRate, "--lr", max: 10)
        try OptionCheck.double(r1, "--r1", 0...1e6)
        try OptionCheck.double(pathRegularize, "--path-regularize", 0...1e6)
        try OptionCheck.double(mixing, "--mixing", 0...1)
        try OptionCheck.double(emaKimg, "--ema-kimg", 0...1e6)
        try OptionCheck.count(sampleEvery, "--sample-every")
        try OptionCheck.count(checkpointEvery, "--checkpoint-every")
        guard resolution <= 4096 else { throw ValidationError("--resolution must be at most 4096, got \(resolution)") }
        guard resolution >= 4, resolution & (resolution - 1) == 0 else {
            throw ValidationError("--resolution must be a power of two ≥ 4, got \(resolution)")
        }
    }

    static func parseChannels(_ text: String) throws -> [Int: Int] {
        var out: [Int: Int] = [:]
        for part in text.split(separator: ",") {
            let kv = part.split(separator: ":")
            guard kv.count == 2, let r = Int(kv[0]), let c = Int(kv[1]), c > 0 else {
                throw ValidationError("invalid --channels entry '\(part)': expected RESOLUTION:CHANNELS")
            }
            out[r] = c
        }
        return out
    }

    func run() throws {
        var job = StyleGAN2TrainingJob(data: URL(fileURLWithPath: data), out: URL(fileURLWithPath: out),
                                       resolution: resolution, length: steps.map { .steps($0) } ?? .kimg(kimg ?? 0))
        guard try distributed.start(&job.trainingRun, global: global, resume: resume) else { return }
        job.styleDim = styleDim
        job.mappingLayers = mappingLayers
        job.channelMultiplier = channelMultiplier
        job.channels = try channels.map(Self.parseChannels)
        job.options.batch = batch
        job.options.learningRate = learningRate
        job.options.r1 = r1
        job.options.pathRegularize = pathRegularize
        job.options.mixing = mixing
        job.options.emaKimg = emaKimg
        job.options.xflip = !noXflip
        job.options.sampleEvery = sampleEvery
        job.options.checkpointEvery = checkpointEvery
        try TrainCommand.run(out: out) { try job.run() }
    }
}
