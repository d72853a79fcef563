import ArgumentParser
import Foundation
import Pipelines

struct TrainEncoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoder",
        abstract: "Train an e4e or pSp encoder for a generator (checkpoints every N steps; --resume continues exactly).",
        discussion: """
        Writes OUT/checkpoint.safetensors (resume state; also usable as `invert --model`), OUT/model.safetensors \
        (the inversion model: encoder + generator + latent_avg) and OUT/samples/ (source | reconstruction). \
        Losses: L2, LPIPS (needs --lpips-weights; left out otherwise), ID (--id-lambda, needs --arcface), \
        pSp's w-norm or e4e's delta regularisation with progressive deltas, and e4e's optional latent \
        discriminator (--w-discriminator-lambda).
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var distributed: DistributedOptions

    @Option(help: "Generator checkpoint (rosinality/pSp/e4e .pt, NVIDIA, or our .safetensors).")
    var generator: String

    @Option(help: "Folder of training images (PNG/JPEG, recursive; resized and center-cropped to --input-size).")
    var data: String

    @Option(help: "Encoder type: e4e or psp.")
    var type: String = "e4e"

    @Option(help: "Output folder.")
    var out: String = "encoder-run"

    @Option(parsing: .unconditional, help: "Train until this step.")
    var steps: Int = 200_000

    @Option var batch: Int = 8
    @Option(name: .customLong("lr")) var learningRate: Double = 1e-4
    @Option(help: "ranger (as pSp/e4e) or adam.") var optimizer: String = "ranger"
    @Option var checkpointEvery: Int = 500
    @Option var sampleEvery: Int = 500

    @Option(help: "Encoder input size (the data is brought to it).") var inputSize: Int = 256
    @Option(help: "IR backbone depth: 50, 100, 152, or 18 (two units per stage, for small domains).") var depth: Int = 50
    @Option(help: "Custom units per stage, e.g. 1,2,2,1 (overrides --depth).") var units: String?
    @Option(help: "Width multiplier of the 64-128-256-512 stages.") var width: Double = 1
    @Option(help: "Squeeze-excitation reduction.") var seReduction: Int = 16
    @Option(help: "Width of the map2style blocks (default: the generator's style dim, as in pSp/e4e; narrower keeps a small-domain encoder small).")
    var styleBlockWidth: Int?
    @Option(help: "Initialise input_layer/body from ArcFace IR-SE50 weights (model_ir_se50.pth), as pSp/e4e do.")
    var backboneWeights: String?

    @Option var l2Lambda: Double = 1
    @Option var lpipsLambda: Double = 0.8
    @Option(parsing: .upToNextOption, help: "LPIPS weight files (torchvision alexnet + lpips alex.pth, or our .safetensors).")
    var lpipsWeights: [String] = []
    @Option(help: "ID loss weight (faces; 0 = off).") var idLambda: Double = 0
    @Option(help: "ArcFace IR-SE50 weights (model_ir_se50.pth) for the ID loss.") var arcface: String?
    @Option(help: "pSp w-norm weight.") var wNormLambda: Double = 0
    @Option(help: "e4e delta regularisation weight.") var deltaNormLambda: Double = 2e-4
    @Option(help: "e4e delta norm p.") var deltaNorm: Double = 2
    @Option(help: "e4e: step at which deltas start training.") var progressiveStart: Int = 20_000
    @Option(help: "e4e: steps between enabling successive deltas.") var progressiveStepEvery: Int = 2_000
    @Flag(help: "e4e: train every delta from the start, without delta regularisation.") var noProgressive = false
    @Option(help: "e4e latent discriminator weight (0 = off; e4e's README uses 0.1).") var wDiscriminatorLambda: Double = 0
    @Option(help: "Latent discriminator learning rate (Adam).") var wDiscriminatorLr: Double = 2e-5
    @Option(help: "Latent discriminator R1 weight.") var r1: Double = 10
    @Option(help: "Latent discriminator: R1 every N steps.") var dRegEvery: Int = 16
    @Option(help: "Latent discriminator code pools (0 = none; e4e's --use_w_pool: 50).") var wPoolSize: Int = 50
    @Flag(help: "Disable random horizontal flips.") var noXflip = false
    @Flag(help: "Continue from OUT/checkpoint.safetensors (model and options come from it).") var resume = false

    func validate() throws {
        guard EncoderTrainingJob.encoderTypes.contains(type) else { throw ValidationError("invalid --type '\(type)': expected e4e or psp") }
        try OptionCheck.count(steps, "--steps")
        try OptionCheck.batch(batch)
        try OptionCheck.positive(learningRate, "--lr", max: 10)
        try OptionCheck.count(checkpointEvery, "--checkpoint-every")
        try OptionCheck.count(sampleEvery, "--sample-every")
        try OptionCheck.count(inputSize, "--input-size", max: 4096)
        try OptionCheck.positive(width, "--width", max: 64)
        try OptionCheck.count(seReduction, "--se-reduction", max: 4096)
        if let styleBlockWidth { try OptionCheck.count(styleBlockWidth, "--style-block-width", max: 65_536) }
        for (value, flag) in [(l2Lambda, "--l2-lambda"), (lpipsLambda, "--lpips-lambda"), (idLambda, "--id-lambda"),
                              (wNormLambda, "--w-norm-lambda"), (deltaNormLambda, "--delta-norm-lambda"),
                              (wDiscriminatorLambda, "--w-discriminator-lambda"), (r1, "--r1")] {
            try OptionCheck.double(value, flag, 0...1e6)
        }
        try OptionCheck.positive(deltaNorm, "--delta-norm", max: 100)
        try OptionCheck.positive(wDiscriminatorLr, "--w-discriminator-lr", max: 10)
        try OptionCheck.count(progressiveStart, "--progressive-start", min: 0)
        try OptionCheck.count(progressiveStepEvery, "--progressive-step-every")
        try OptionCheck.count(dRegEvery, "--d-reg-every")
        try OptionCheck.count(wPoolSize, "--w-pool-size", min: 0, max: 1_000_000)
        if idLambda > 0, arcface == nil { throw ValidationError("--id-lambda needs --arcface FILE (model_ir_se50.pth)") }
    }

    /// `--units` as a list (nil: the table of `--depth`).
    func parsedUnits() throws -> [Int]? {
        try units.map { text in
            try text.split(separator: ",").map { part -> Int in
                guard let n = Int(part), n >= 1 else { throw ValidationError("invalid --units entry '\(part)'") }
                return n
            }
        }
    }

    func run() throws {
        var job = EncoderTrainingJob(generator: URL(fileURLWithPath: generator), data: URL(fileURLWithPath: data),
                                     out: URL(fileURLWithPath: out), steps: steps)
        guard try distributed.start(&job.trainingRun, global: global, resume: resume) else { return }
        job.encoderType = type
        job.inputSize = inputSize
        job.depth = depth
        job.units = try parsedUnits()
        job.width = width
        job.seReduction = seReduction
        job.styleBlockWidth = styleBlockWidth
        job.backboneWeights = backboneWeights.map { URL(fileURLWithPath: $0) }
        job.lpipsWeights = lpipsWeights.map { URL(fileURLWithPath: $0) }
        job.arcface = arcface.map { URL(fileURLWithPath: $0) }
        job.options.batch = batch
        job.options.learningRate = learningRate
        job.options.optimizer = optimizer
        job.options.lambdaL2 = l2Lambda
        job.options.lambdaLPIPS = lpipsLambda
        job.options.lambdaID = idLambda
        job.options.lambdaWNorm = wNormLambda
        job.options.lambdaDelta = deltaNormLambda
        job.options.deltaNorm = deltaNorm
        job.options.progressiveStart = noProgressive ? nil : progressiveStart
        job.options.progressiveStepEvery = progressiveStepEvery
        job.options.lambdaWDiscriminator = wDiscriminatorLambda
        job.options.wDiscriminatorLR = wDiscriminatorLr
        job.options.r1 = r1
        job.options.dRegEvery = dRegEvery
        job.options.wPoolSize = wPoolSize
        job.options.sampleEvery = sampleEvery
        job.options.checkpointEvery = checkpointEvery
        job.xflip = !noXflip
        try TrainCommand.run(out: out) { try job.run() }
    }
}
