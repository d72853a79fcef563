import ArgumentParser
import Foundation
import Pipelines

struct TrainHFGICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hfgi",
        abstract: "Train HFGI's residual encoder and ADA on a frozen e4e encoder and generator (the public recipe).",
        discussion: """
        As Tengfei-Wang/HFGI's train.sh: the distortion map x − G(E(x)) is warped by a random perspective \
        (--distortion-scale, applied to a batch with probability --distortion-rate), ADA aligns it back to the \
        first-pass image, the residual encoder turns it into the conditions fused at 64², and the loss is \
        L2 + LPIPS + ID on the final image plus --lambda-res × |ADA output − map|. Writes OUT/checkpoint.safetensors \
        (exact resume), OUT/model.safetensors (what `invert|edit|eval --method hfgi` take) and OUT/samples/ \
        (source | e4e | HFGI | HFGI from a distorted map). LPIPS and ID terms need their weight files; without them \
        they are left out, and the run says so.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var distributed: DistributedOptions

    @Option(help: "Inversion model: a pSp/e4e/HFGI .pt or our .safetensors (encoder + generator + latent_avg, 64² or larger).")
    var encoder: String

    @Option(help: "Folder of training images (brought to the encoder's input size).")
    var data: String

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "Train until this step.") var steps: Int
    @Option var batch: Int = 8
    @Option(name: .customLong("lr")) var learningRate: Double = 1e-4
    @Option(help: "ranger or adam.") var optimizer: String = "ranger"
    @Option var lambdaL2: Double = 1
    @Option var lambdaLpips: Double = 0.8
    @Option var lambdaId: Double = 0.1
    @Option(help: "Weight of the ADA loss |ADA output − undistorted map|.") var lambdaRes: Double = 0.1
    @Option(parsing: .upToNextOption, help: "LPIPS weight files (torchvision alexnet + lpips alex.pth, or our .safetensors).")
    var lpipsWeights: [String] = []
    @Option(help: "ArcFace IR-SE50 weights for the ID loss (faces).") var arcface: String?
    @Option(help: "RandomPerspective distortion scale, 0 to 1.") var distortionScale: Double = 0.15
    @Option(help: "Probability that a batch's distortion map is warped, 0 to 1.") var distortionRate: Double = 0.9
    @Option(help: "Generator noise while training: random (the recipe) or const (the stored maps).") var noise: String = "random"
    @Option(help: "Hidden width of the residual encoder's condition heads.") var conditionHidden: Int = 512
    @Option(help: "Re-estimate the exported model's batch-norm statistics over the data's first N images (0: keep the training's running statistics, as the public code).")
    var bnStatisticsImages: Int = 256

    @Option var checkpointEvery: Int = 500
    @Option var sampleEvery: Int = 500
    @Flag(help: "Continue from OUT/checkpoint.safetensors.") var resume = false

    func validate() throws {
        try OptionCheck.count(steps, "--steps")
        try OptionCheck.batch(batch)
        try OptionCheck.positive(learningRate, "--lr", max: 10)
        guard ["ranger", "adam"].contains(optimizer) else { throw ValidationError("invalid --optimizer '\(optimizer)': ranger or adam") }
        for (value, flag) in [(lambdaL2, "--lambda-l2"), (lambdaLpips, "--lambda-lpips"), (lambdaId, "--lambda-id"), (lambdaRes, "--lambda-res")] {
            try OptionCheck.double(value, flag, 0...1e6)
        }
        try OptionCheck.double(distortionScale, "--distortion-scale", 0...1)
        try OptionCheck.double(distortionRate, "--distortion-rate", 0...1)
        guard ["random", "const"].contains(noise) else { throw ValidationError("invalid --noise '\(noise)': random or const") }
        try OptionCheck.count(conditionHidden, "--condition-hidden", max: 4096)
        try OptionCheck.count(bnStatisticsImages, "--bn-statistics-images", min: 0, max: 1_000_000)
        try OptionCheck.count(checkpointEvery, "--checkpoint-every")
        try OptionCheck.count(sampleEvery, "--sample-every")
    }

    func run() throws {
        var job = HFGITrainingJob(encoder: URL(fileURLWithPath: encoder), data: URL(fileURLWithPath: data),
                                  out: URL(fileURLWithPath: out), steps: steps)
        var device = try global.apply()
        guard let parallel = try distributed.start(seed: global.seed, device: &device) else { return }
        job.device = device
        job.distributed = parallel
        job.options.batch = batch
        job.options.learningRate = learningRate
        job.options.optimizer = optimizer
        job.options.lambdaL2 = lambdaL2
        job.options.lambdaLPIPS = lambdaLpips
        job.options.lambdaID = lambdaId
        job.options.lambdaRes = lambdaRes
        job.options.distortionScale = distortionScale
        job.options.distortionRate = distortionRate
        job.options.noise = noise
        job.options.conditionHidden = conditionHidden
        job.options.statisticsImages = bnStatisticsImages
        job.options.checkpointEvery = checkpointEvery
        job.options.sampleEvery = sampleEvery
        job.lpipsWeights = lpipsWeights.map { URL(fileURLWithPath: $0) }
        job.arcface = arcface.map { URL(fileURLWithPath: $0) }
        job.resume = resume
        job.quiet = global.quiet
        try TrainCommand.run(out: out) { try job.run() }
    }
}
