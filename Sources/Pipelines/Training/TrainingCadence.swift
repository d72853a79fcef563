/// How long a training runs and how often it writes: one step trains on one global batch of `batch` items;
/// samples every `sampleEvery` steps (nil: the model has none), checkpoints every `checkpointEvery` steps, and both
/// at the last step.
public struct TrainingCadence: Equatable, Sendable {
    public var batch: Int
    public var sampleEvery: Int?
    public var checkpointEvery: Int

    public init(batch: Int, sampleEvery: Int?, checkpointEvery: Int) {
        (self.batch, self.sampleEvery, self.checkpointEvery) = (batch, sampleEvery, checkpointEvery)
    }

    /// Whether step `step` (counted after it ran) of a run ending at `last` writes a sample / a checkpoint.
    func samples(at step: Int, last: Int) -> Bool { sampleEvery.map { step % $0 == 0 || step == last } ?? false }
    func checkpoints(at step: Int, last: Int) -> Bool { step % checkpointEvery == 0 || step == last }
}

/// Where a training run stops: after a number of steps, or once a number of thousand real images have been shown
/// (rounded up to whole steps of the global batch).
public enum TrainingLength: Equatable, Sendable {
    case steps(Int)
    case kimg(Double)

    public func finalStep(batch: Int) -> Int {
        switch self {
        case .steps(let n): return n
        case .kimg(let k): return Int((k * 1000 / Double(batch)).rounded(.up))
        }
    }
}
