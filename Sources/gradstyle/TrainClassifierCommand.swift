import ArgumentParser
import Foundation
import Pipelines

struct TrainClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "Train an attribute classifier (regression) on a labelled image folder, e.g. from `data synth`.",
        discussion: """
        DATA must hold labels.csv with a 'file' column (image paths relative to DATA) and one numeric column per \
        attribute. The last 10% of rows are held out; R², MAE and 0/1 accuracy are reported at every checkpoint and \
        written to OUT/metrics.json. OUT/classifier.safetensors is what `directions sample` and evaluation load.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var distributed: DistributedOptions

    @Option(help: "Folder with labels.csv and the images it lists.")
    var data: String

    @Option(help: "Output folder: checkpoint.safetensors (resume), classifier.safetensors, metrics.json.")
    var out: String

    @Option(help: "Comma-separated label columns to predict.")
    var attributes: String = ClassifierTrainingOptions().attributes.joined(separator: ",")

    @Option(parsing: .unconditional, help: "Train until this many steps.")
    var steps: Int = 3000

    @Option var batch: Int = 32

    @Option(help: "Classifier input resolution (images are resized to it).")
    var size: Int = 64

    @Option(help: "Channels of the stride-2 blocks, comma-separated.")
    var widths: String = "32,64,128,128"

    @Option(name: .customLong("lr")) var learningRate: Double = 1e-3

    @Option(help: "Fraction of the rows (the last ones) held out for the report.")
    var validationFraction: Double = 0.1

    @Option var checkpointEvery: Int = 500

    @Flag(help: "Disable random horizontal flips (with flips, yaw and light_direction labels are negated).")
    var noFlip = false

    @Flag(help: "Continue from OUT/checkpoint.safetensors.") var resume = false

    func options() throws -> ClassifierTrainingOptions {
        var o = ClassifierTrainingOptions()
        o.attributes = attributes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let parsedWidths = widths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsedWidths.isEmpty, parsedWidths.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("invalid --widths '\(widths)': expected positive integers separated by commas")
        }
        o.widths = parsedWidths.map { $0! }
        o.size = size
        o.batch = batch
        o.learningRate = learningRate
        o.validationFraction = validationFraction
        o.checkpointEvery = checkpointEvery
        o.flip = !noFlip
        do { try o.validate() } catch { throw ValidationError("\(error)") }
        return o
    }

    func validate() throws {
        try OptionCheck.count(steps, "--steps")
        try OptionCheck.batch(batch)
        try OptionCheck.count(size, "--size", max: 4096)
        try OptionCheck.positive(learningRate, "--lr", max: 10)
        try OptionCheck.double(validationFraction, "--validation-fraction", 0...0.9)
        try OptionCheck.count(checkpointEvery, "--checkpoint-every")
        _ = try options()
    }

    func run() throws {
        var job = ClassifierTrainingJob(data: URL(fileURLWithPath: data), out: URL(fileURLWithPath: out), steps: steps)
        guard try distributed.start(&job.trainingRun, global: global, resume: resume) else { return }
        job.options = try options()
        try TrainCommand.run(out: out) { try job.run() }
    }
}
