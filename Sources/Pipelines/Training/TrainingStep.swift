import Foundation
import ImageIO
import NN
import Torch

/// What one model's training defines, as NVIDIA's loss classes do for their `training_loop`: how a batch is drawn,
/// what one step on it does, what a sample shows, which state a checkpoint holds and which files it publishes.
/// Everything else — cadence, the batch of each step, checkpoints, resume, progress, the divergence check and the
/// data-parallel seam — is `TrainingLoop`'s.
public protocol TrainingStep: AnyObject {
    /// A global batch as drawn from the data (images, or rows of a labelled set).
    associatedtype Batch: SliceableBatch
    /// What one step reports: its loss terms, kept whole for `history`.
    associatedtype Losses
    associatedtype Options: Encodable

    /// The checkpoint's `kind`, e.g. "gradstyle.train.stylegan2"; a checkpoint of another kind is refused.
    static var checkpointKind: String { get }
    /// What such a checkpoint is, for messages: "a StyleGAN2 training checkpoint".
    static var checkpointDescription: String { get }
    /// The progress label, e.g. "train stylegan2".
    var label: String { get }
    var options: Options { get }
    var cadence: TrainingCadence { get }
    /// Steps done (the step definitions count them: some schedules depend on it).
    var step: Int { get }
    /// Where the checkpoint's tensors are read to on resume.
    var device: Device { get }
    /// No progress lines (results and errors only).
    var quiet: Bool { get }

    /// The next global batch of `cadence.batch` items (the only place a step's data is drawn).
    func nextBatch() throws -> Batch
    /// One step on this process's part of the batch; every optimiser step goes through `parallel.step(_:)`.
    func train(on batch: Batch, parallel: DataParallelism) throws -> Losses
    /// The terms the divergence check watches.
    func lossTerms(_ losses: Losses) -> [String: Double]
    /// The progress status after "step N".
    func status(_ losses: Losses) -> String
    /// The sample image at this step, or nil for none. Must not draw from the random generator.
    func sample() throws -> RasterImage?
    /// Puts the model, optimiser and data state into a checkpoint (the loop adds the kind, step, options and RNG).
    func store(in checkpoint: inout TrainingCheckpoint) throws
    /// Restores what `store` put there and sets the step count to `step`; throws on a mismatch.
    func restore(from checkpoint: TrainingCheckpoint, step: Int) throws
    /// Writes the files published beside each checkpoint (the trained model, metrics).
    func export(to outDirectory: URL) throws
    /// The parameters and buffers every process must start from (what the data-parallel broadcast sends).
    var replicatedTensors: [Tensor] { get }
}

extension TrainingStep {
    /// One step on the next batch, in this process alone (tests, and callers driving steps themselves).
    @discardableResult
    public func trainStep() throws -> Losses { try train(on: try nextBatch(), parallel: SingleProcess()) }

    /// The full checkpoint of the current state.
    public func checkpoint() throws -> TrainingCheckpoint { try TrainingLoop(self).checkpoint() }

    /// Restores a checkpoint written by `checkpoint()`; errors name `path`.
    public func restore(_ checkpoint: TrainingCheckpoint, path: String) throws {
        try TrainingLoop(self).restore(checkpoint, path: path)
    }

    /// Resumes from `outDirectory/checkpoint.safetensors` when it exists; returns whether it did.
    @discardableResult
    public func resumeIfPossible(_ outDirectory: URL) throws -> Bool { try TrainingLoop(self).resumeIfPossible(outDirectory) }

    /// Trains until `untilStep` in this process, writing samples and checkpoints into `outDirectory`.
    public func train(untilStep: Int, outDirectory: URL) throws {
        try TrainingLoop(self).run(until: .steps(untilStep), outDirectory: outDirectory)
    }
}

extension Module {
    /// Parameters and buffers, for the data-parallel broadcast.
    var replicatedTensors: [Tensor] { parameters() + buffers() }
}
