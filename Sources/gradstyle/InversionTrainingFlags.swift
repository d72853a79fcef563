import ArgumentParser
import Foundation
import Pipelines

/// The flags `train gradstyle` and `train hfgi` share (both train on a frozen inversion model), with their one
/// default each, and their mapping onto `InversionTrainingInputs`.
struct InversionTrainingFlags: ParsableArguments {
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
    @Option(parsing: .upToNextOption, help: "LPIPS weight files (torchvision alexnet + lpips alex.pth, or our .safetensors).")
    var lpipsWeights: [String] = []
    @Option(help: "ArcFace IR-SE50 weights for the ID loss (faces).") var arcface: String?

    @Option var checkpointEvery: Int = 500
    @Option var sampleEvery: Int = 500
    @Flag(help: "Continue from OUT/checkpoint.safetensors.") var resume = false

    /// Checks of the run's length, batch and learning rate (each command checks these first).
    func checkRun() throws {
        try OptionCheck.count(steps, "--steps")
        try OptionCheck.batch(batch)
        try OptionCheck.positive(learningRate, "--lr", max: 10)
    }

    /// Checks of the loss weights: the shared ones, then the command's own `extra` (value, flag).
    func checkLambdas(_ extra: [(Double, String)]) throws {
        for (value, flag) in [(lambdaL2, "--lambda-l2"), (lambdaLpips, "--lambda-lpips"), (lambdaId, "--lambda-id")] + extra {
            try OptionCheck.double(value, flag, 0...1e6)
        }
    }

    /// Checks of the checkpoint and sample cadence.
    func checkCadence() throws {
        try OptionCheck.count(checkpointEvery, "--checkpoint-every")
        try OptionCheck.count(sampleEvery, "--sample-every")
    }

    /// Sets the options these flags describe.
    func apply(to options: inout some InversionTrainingOptions) {
        options.batch = batch
        options.learningRate = learningRate
        options.optimizer = optimizer
        options.lambdaL2 = lambdaL2
        options.lambdaLPIPS = lambdaLpips
        options.lambdaID = lambdaId
        options.checkpointEvery = checkpointEvery
        options.sampleEvery = sampleEvery
    }

    /// The job inputs these flags (and the command's `encoder`) describe; `DistributedOptions.start` sets the rest
    /// of their run settings.
    func inputs(encoder: String) -> InversionTrainingInputs {
        var inputs = InversionTrainingInputs(encoder: URL(fileURLWithPath: encoder), data: URL(fileURLWithPath: data),
                                             out: URL(fileURLWithPath: out), steps: steps)
        inputs.lpipsWeights = lpipsWeights.map { URL(fileURLWithPath: $0) }
        inputs.arcface = arcface.map { URL(fileURLWithPath: $0) }
        return inputs
    }
}
