import Foundation
import ImageIO
import Models
import TensorIO
import Torch

/// Driving the HFGI step without the shared training loop: one step on the next batch, and whole checkpoints
/// (the step's state plus kind, step count, options and RNG state, as every training checkpoint holds them).
extension HFGITrainingStep {
    public static let checkpointName = "checkpoint.safetensors"

    @discardableResult
    public func trainStep() throws -> [String: Double] { try train(on: try nextBatch()) }

    public func checkpoint() throws -> TrainingCheckpoint {
        var c = TrainingCheckpoint()
        try store(in: &c)
        c.storeRNG()
        c.metadata["kind"] = HFGITrainingStep.checkpointKind
        c.metadata["step"] = String(step)
        c.metadata["options"] = try StableJSON.string(options)
        return c
    }

    public func restore(_ c: TrainingCheckpoint, path: String) throws {
        guard c.metadata["kind"] == HFGITrainingStep.checkpointKind else {
            throw TensorIOError(path: path, "not an HFGI training checkpoint")
        }
        do {
            guard let count = Int(c.metadata["step"] ?? ""), count >= 0 else { throw ModelError("the checkpoint has no step") }
            try restore(from: c, step: count)
            try c.restoreRNG()
        } catch let e as TensorIOError {
            throw e
        } catch {
            throw TensorIOError(path: path, "cannot resume: \(error)")
        }
    }

    @discardableResult
    public func resumeIfPossible(_ outDirectory: URL) throws -> Bool {
        let url = outDirectory.appendingPathComponent(HFGITrainingStep.checkpointName)
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        try restore(try TrainingCheckpoint.read(url, device: device), path: url.path)
        return true
    }

    /// Trains until `untilStep`, writing sheets (`samples/NNNNNN.png`), checkpoints and the model into
    /// `outDirectory` (at the intervals of the options and at the last step).
    public func train(untilStep: Int, outDirectory: URL) throws {
        let lock = try OutputLock(outDirectory)
        defer { withExtendedLifetime(lock) {} }
        try FileManager.default.createDirectory(at: outDirectory.appendingPathComponent("samples"), withIntermediateDirectories: true)
        let progress = ProgressReporter("train hfgi", total: Swift.max(untilStep - step, 0), unit: "step", quiet: quiet)
        while step < untilStep {
            let log = try trainStep()
            try TrainingDivergence.check(log, step: step, outDirectory: outDirectory)
            progress.advance(status: "step \(step) " + status(log))
            if step % options.sampleEvery == 0 || step == untilStep, let image = try sample() {
                try ImageFile.write(image, to: outDirectory.appendingPathComponent(String(format: "samples/%06d.png", step)))
            }
            if step % options.checkpointEvery == 0 || step == untilStep {
                try checkpoint().write(to: outDirectory.appendingPathComponent(HFGITrainingStep.checkpointName))
                try export(to: outDirectory)
            }
        }
        progress.finish()
    }
}
