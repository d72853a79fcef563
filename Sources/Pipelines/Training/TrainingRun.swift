import Foundation
import Torch

/// How a training job runs, whatever it trains: the output folder, whether it continues the checkpoint there, the
/// device, how much it prints, where its messages go and the processes it shares the work with. Every training job
/// holds one; `join` is the start-up they all share.
public struct TrainingRun {
    /// The output folder: checkpoint, model files, samples.
    public var out: URL
    /// Continue `out/checkpoint.safetensors` (without it, a folder holding one is refused).
    public var resume = false
    public var device: Device = .cpu
    /// No per-step progress lines.
    public var quiet = false
    public var messages = TrainingMessages()
    /// One process, or one rank of a data-parallel run (the options' batch is then per rank).
    public var distributed = DistributedTraining()

    public init(out: URL) { self.out = out }

    /// Joins the run's other processes (none when this is one process). Every rank must agree on `verb`, the
    /// output folder, `resume`, the job's own `fields` (by name) and `options`.
    func join(verb: String, fields: [String: String], options: some Encodable) throws -> TrainingRank {
        var job = fields
        job["verb"] = verb
        job["out"] = out.path
        job["resume"] = "\(resume)"
        return TrainingRank(run: self, parallel: try distributed.join(job: job, options: options, device: device))
    }
}

/// This process's part in a training run once it has joined the others: only the writing process (rank 0) says
/// anything, prints progress or touches the output folder.
struct TrainingRank {
    let run: TrainingRun
    let parallel: DataParallelism

    /// The run's messages on the writing process; none on the others.
    var messages: TrainingMessages { parallel.writesOutputs ? run.messages : .silent }

    /// Whether this process prints per-step progress.
    var printsProgress: Bool { !run.quiet && parallel.writesOutputs }

    /// Opens the output folder for the run (see `TrainingSession`); `inputs` are the files and folders it reads.
    func openSession(inputs: [URL?] = []) throws -> TrainingSession {
        try TrainingSession(out: run.out, resume: run.resume, messages: run.messages, writes: parallel.writesOutputs,
                            inputs: inputs)
    }
}
