import Foundation
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
}
