import Foundation
import Torch

/// `gradstyle train classifier`: an attribute classifier trained on a labelled image folder (`ClassifierTrainer`
/// steps in `TrainingLoop`). Writes `out/checkpoint.safetensors`, `out/classifier.safetensors` and, with held-out
/// rows, `out/metrics.json`; says the held-out scores at the end.
public struct ClassifierTrainingJob {
    /// Folder with labels.csv and the images it lists.
    public var data: URL
    public var steps: Int
    public var options = ClassifierTrainingOptions()
    /// Output folder, resume, device, messages and processes (`options.batch` is per process).
    public var trainingRun: TrainingRun

    public init(data: URL, out: URL, steps: Int) {
        (self.data, self.steps) = (data, steps)
        trainingRun = TrainingRun(out: out)
    }

    public func run() throws {
        let rank = try trainingRun.join(verb: "train classifier", fields: ["data": data.path, "steps": "\(steps)"],
                                        options: options)
        let (parallel, messages, out) = (rank.parallel, rank.messages, trainingRun.out)
        var options = options
        options.batch *= parallel.worldSize  // the global batch, which the loop splits by rank
        let dataset = try LabelledImageSet(root: data, attributes: options.attributes, size: options.size,
                                           quiet: !rank.printsProgress)
        let session = try rank.openSession()
        let trainer = try ClassifierTrainer(data: dataset, options: options, device: trainingRun.device)
        trainer.quiet = !rank.printsProgress
        let loop = TrainingLoop(trainer, parallel: parallel)
        try session.resumeIfAsked(loop)
        guard try session.train(loop, until: .steps(steps), description: { target in
            "training a \(options.size)² attribute classifier (\(trainer.classifier.parameterCount.grouped) parameters) for \(options.attributes.joined(separator: ", ")) on \(trainer.trainIndices.count) images (\(trainer.heldOutIndices.count) held out) until step \(target)"
        }) else { return }
        guard parallel.writesOutputs else { return }
        if let scores = trainer.lastScores ?? trainer.evaluate() {
            for e in scores.entries {
                let name = e.attribute.padding(toLength: Swift.max(16, e.attribute.count), withPad: " ", startingAt: 0)
                var line = String(format: "  %@ R² %@  MAE %.4f  (predicting the mean: %.4f)", name,
                                  e.r2.map { String(format: "%6.3f", $0) } ?? "   n/a", e.mae, e.baselineMAE)
                if let a = e.accuracy { line += String(format: "  accuracy %.1f%%", a * 100) }
                messages.say(line)
            }
        }
        messages.say("done: \(out.relativePath)/\(ClassifierTrainer.classifierName) (classifier), \(out.relativePath)/\(TrainingFiles.checkpoint) (resume)")
    }
}
