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

    @OptionGroup var training: InversionTrainingFlags
    @Option(help: "Weight of the ADA loss |ADA output − undistorted map|.") var lambdaRes: Double = 0.1
    @Option(help: "RandomPerspective distortion scale, 0 to 1.") var distortionScale: Double = 0.15
    @Option(help: "Probability that a batch's distortion map is warped, 0 to 1.") var distortionRate: Double = 0.9
    @Option(help: "Generator noise while training: random (the recipe) or const (the stored maps).") var noise: String = "random"
    @Option(help: "Hidden width of the residual encoder's condition heads.") var conditionHidden: Int = 512
    @Option(help: "Re-estimate the exported model's batch-norm statistics over the data's first N images (0: keep the training's running statistics, as the public code).")
    var bnStatisticsImages: Int = 256

    func validate() throws {
        try training.checkRun()
        guard ["ranger", "adam"].contains(training.optimizer) else {
            throw ValidationError("invalid --optimizer '\(training.optimizer)': ranger or adam")
        }
        try training.checkLambdas([(lambdaRes, "--lambda-res")])
        try OptionCheck.double(distortionScale, "--distortion-scale", 0...1)
        try OptionCheck.double(distortionRate, "--distortion-rate", 0...1)
        guard ["random", "const"].contains(noise) else { throw ValidationError("invalid --noise '\(noise)': random or const") }
        try OptionCheck.count(conditionHidden, "--condition-hidden", max: 4096)
        try OptionCheck.count(bnStatisticsImages, "--bn-statistics-images", min: 0, max: 1_000_000)
        try training.checkCadence()
    }

    func run() throws {
        var job = HFGITrainingJob(inputs: training.inputs(encoder: encoder))
        guard try distributed.start(&job.inputs.trainingRun, global: global, resume: training.resume) else { return }
        training.apply(to: &job.options)
        job.options.lambdaRes = lambdaRes
        job.options.distortionScale = distortionScale
        job.options.distortionRate = distortionRate
        job.options.noise = noise
        job.options.conditionHidden = conditionHidden
        job.options.statisticsImages = bnStatisticsImages
        try TrainCommand.run(out: training.out) { try job.run() }
    }
}
