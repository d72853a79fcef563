import Foundation
import ImageIO
import Models
import TensorIO
import Torch

/// The one training loop every model trains with (StyleGAN2, the e4e/pSp encoders, GradStyle, the attribute
/// classifier), as NVIDIA's `training_loop` is for its loss classes: a `TrainingStep` says what one step of its
/// model does, the loop does the rest, the same way for all:
///
/// - cadence: steps until `TrainingLength` (steps, or thousands of images); a sample every `sampleEvery` steps and a
///   checkpoint every `checkpointEvery`, both at the last step; a kill at any moment leaves the last checkpoint
///   (checkpoints and models are written atomically, and a checkpoint is a function of the state alone, so two
///   runs with the same seed write byte-identical files);
/// - exact resume: the checkpoint holds the step's state plus the step count, the options and libtorch's CPU
///   generator, so a resumed run draws exactly what the uninterrupted one would have;
/// - progress on standard error, and the divergence check after every step (a NaN loss stops the run before it
///   writes anything, `TrainingDiverged`);
/// - the output folder's lock, held for the run.
///
/// Distributed data parallelism plugs in through `DataParallelism` (this file is the one place its four hooks run;
/// a single process uses `SingleProcess`, where each hook changes nothing):
///
/// - (a) the batch of step k: every process draws the same global batch (same seed, same generator state) through
///   `TrainingStep.nextBatch`, then keeps its slice (`localPart(of:)`), below in `run`;
/// - (b) gradients: the step definitions apply every optimiser through `parallel.step(_:)`, which averages the
///   gradients over the processes between backward and the optimiser step;
/// - (c) writes: only the process with `writesOutputs` (rank 0) writes samples, checkpoints and models;
/// - (d) start: the model's parameters and buffers (`replicatedTensors`) are broadcast from rank 0 before the first
///   step, after any resume.
///
/// Every process draws everything else from its own copy of the shared generator too. Steps that can draw for the
/// global batch and keep their rows do so (StyleGAN2's latents, mixing and flips, GradStyle's warps), which is what
/// one process draws; draws sized by the slice keep the copies in step while the slices have equal sizes
/// (StyleGAN2 runs its slice-sized noise on a per-step, per-rank stream instead; see docs/DISTRIBUTED.md).
public final class TrainingLoop<Step: TrainingStep> {
    public let step: Step
    public let parallel: DataParallelism
    /// Where progress lines go (standard error when nil).
    public var progressOutput: ((String) -> Void)?
    /// What `resumeIfPossible` found different from the checkpoint's run (options that changed), to be said, not
    /// hidden.
    public private(set) var resumeNotes: [String] = []

    public init(_ step: Step, parallel: DataParallelism = SingleProcess()) {
        self.step = step
        self.parallel = parallel
    }

    // MARK: - Checkpoints

    /// The step's state plus what every checkpoint holds: kind, step count, options and the RNG state.
    public func checkpoint() throws -> TrainingCheckpoint {
        var c = TrainingCheckpoint()
        try step.store(in: &c)
        c.storeRNG()
        c.metadata["kind"] = Step.checkpointKind
        c.metadata["step"] = String(step.step)
        c.metadata["options"] = try StableJSON.string(step.options)
        return c
    }

    /// Restores every piece of training state from a checkpoint written by `checkpoint()`; errors name `path`.
    public func restore(_ c: TrainingCheckpoint, path: String) throws {
        guard c.metadata["kind"] == Step.checkpointKind else {
            throw TensorIOError(path: path, "not \(Step.checkpointDescription)")
        }
        do {
            guard let count = Int(c.metadata["step"] ?? ""), count >= 0 else { throw ModelError("the checkpoint has no step") }
            try step.restore(from: c, step: count)
            try c.restoreRNG()
            resumeNotes = try c.changedOptions(step.options).map { "\($0): the new value applies from step \(count)" }
        } catch let e as TensorIOError {
            throw e
        } catch {
            throw TensorIOError(path: path, "cannot resume: \(error)")
        }
    }

    /// Resumes from `outDirectory/checkpoint.safetensors` when it exists; returns whether it did.
    @discardableResult
    public func resumeIfPossible(_ outDirectory: URL) throws -> Bool {
        let url = outDirectory.appendingPathComponent(TrainingFiles.checkpoint)
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        try restore(try TrainingCheckpoint.read(url, device: step.device), path: url.path)
        return true
    }

    /// Writes the checkpoint, then the files the step publishes beside it.
    public func saveCheckpoint(_ outDirectory: URL) throws {
        try checkpoint().write(to: outDirectory.appendingPathComponent(TrainingFiles.checkpoint))
        try step.export(to: outDirectory)
    }

    // MARK: - The loop

    /// Trains until `length`, writing samples (`samples/NNNNNN.png`) and checkpoints into `outDirectory`.
    public func run(until length: TrainingLength, outDirectory: URL) throws {
        // (c) The writer holds the folder's lock; the other ranks never write there (and, as other processes, would
        // be refused it).
        let lock = parallel.writesOutputs ? try OutputLock(outDirectory) : nil
        defer { withExtendedLifetime(lock) {} }
        let cadence = step.cadence
        let last = length.finalStep(batch: cadence.batch)
        let samples = outDirectory.appendingPathComponent(TrainingFiles.samples)
        if cadence.sampleEvery != nil, parallel.writesOutputs {
            try FileManager.default.createDirectory(at: samples, withIntermediateDirectories: true)
        }
        if parallel.worldSize > 1 { try parallel.broadcast(step.replicatedTensors) }               // (d)
        let progress = ProgressReporter(step.label, total: Swift.max(last - step.step, 0), unit: "step",
                                        quiet: step.quiet || !parallel.writesOutputs, output: progressOutput)
        var timing = StepTiming()
        while step.step < last {
            timing.begin(allReduceSeconds: parallel.allReduceSeconds)
            let batch = parallel.localPart(of: try step.nextBatch())                                   // (a)
            let losses = try step.train(on: batch, parallel: parallel)                                 // (b) inside
            timing.end(allReduceSeconds: parallel.allReduceSeconds)
            let n = step.step
            try TrainingDivergence.check(step.lossTerms(losses), step: n, outDirectory: outDirectory)
            progress.advance(status: "step \(n) " + step.status(losses))
            guard parallel.writesOutputs else { continue }                                              // (c)
            if cadence.samples(at: n, last: last), let image = try step.sample() {
                try ImageFile.write(image, to: samples.appendingPathComponent(String(format: "%06d.png", n)))
            }
            if cadence.checkpoints(at: n, last: last) { try saveCheckpoint(outDirectory) }
        }
        progress.finish()
        // What data parallelism costs here: rank 0's step time and its share spent in the gradient all-reduce.
        if parallel.worldSize > 1, parallel.writesOutputs, !step.quiet,
           let line = timing.summary(rank: parallel.rank, worldSize: parallel.worldSize, globalBatch: cadence.batch) {
            if let progressOutput { progressOutput(line) } else { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
    }
}

/// The file names every training run writes into its output folder.
public enum TrainingFiles {
    /// Everything needed to resume exactly.
    public static let checkpoint = "checkpoint.safetensors"
    /// Sample images, one per sampled step.
    public static let samples = "samples"
}
