import Foundation

/// Where a training job's messages go: what it does and where its results are (standard output by default), and
/// notes on what it left out or changed (standard error, "note: …").
public struct TrainingMessages {
    public var say: (String) -> Void
    public var note: (String) -> Void

    public init(say: @escaping (String) -> Void = { print($0) },
                note: @escaping (String) -> Void = { FileHandle.standardError.write(Data("note: \($0)\n".utf8)) }) {
        self.say = say
        self.note = note
    }

    /// Messages that go nowhere (the processes of a data-parallel run that do not write).
    static var silent: TrainingMessages { TrainingMessages(say: { _ in }, note: { _ in }) }
}

/// A new run's output folder already holds a training checkpoint (and resuming it was not asked for).
public struct TrainingCheckpointExists: Error, CustomStringConvertible, LocalizedError {
    public let folder: URL
    public var description: String {
        "\(folder.path) already holds a training checkpoint: resume it, or choose another output folder"
    }
    public var errorDescription: String? { description }
}

/// What every training job does around `TrainingLoop`: it holds the output folder's lock for the whole run (a second
/// run into the folder fails at once), refuses to start a new run over an existing checkpoint, resumes when asked,
/// and says where the run starts and ends.
struct TrainingSession {
    let out: URL
    let resume: Bool
    let messages: TrainingMessages
    private let lock: OutputLock?
    /// Whether the folder held a checkpoint when the session began.
    let hasCheckpoint: Bool

    /// `writes`: whether this process writes the folder (rank 0 of a data-parallel run; the others neither lock it
    /// nor say anything).
    /// `inputs` (the files and folders the run reads) are checked first, so a missing one is one line and leaves no
    /// output folder behind.
    init(out: URL, resume: Bool, messages: TrainingMessages, writes: Bool = true, inputs: [URL?] = []) throws {
        for case let url? in inputs where !FileManager.default.fileExists(atPath: url.path) {
            throw PipelineError("\(url.path): no such file or folder")
        }
        lock = writes ? try OutputLock(out) : nil
        hasCheckpoint = FileManager.default.fileExists(atPath: out.appendingPathComponent(TrainingFiles.checkpoint).path)
        if hasCheckpoint && !resume { throw TrainingCheckpointExists(folder: out) }
        (self.out, self.resume) = (out, resume)
        self.messages = writes ? messages : .silent
    }

    /// Whether this run continues a checkpoint.
    var resumes: Bool { resume && hasCheckpoint }

    /// Resumes `loop` from the folder's checkpoint when asked, saying so and what changed.
    func resumeIfAsked<Step>(_ loop: TrainingLoop<Step>) throws {
        guard resumes, try loop.resumeIfPossible(out) else { return }
        messages.say("resumed at step \(loop.step.step)")
        for note in loop.resumeNotes { messages.note(note) }
    }

    /// Trains to `length`, saying `description(final step)` first; or says there is nothing left to train and
    /// returns false.
    func train<Step>(_ loop: TrainingLoop<Step>, until length: TrainingLength, description: (Int) -> String) throws -> Bool {
        let target = length.finalStep(batch: loop.step.cadence.batch)
        guard target > loop.step.step else {
            messages.say("\(out.relativePath) is already at step \(loop.step.step) (target \(target)): nothing to train")
            return false
        }
        messages.say(description(target))
        try loop.run(until: length, outDirectory: out)
        return true
    }
}
