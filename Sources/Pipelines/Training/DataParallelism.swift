import NN
import Torch

/// How the processes of one training run share the work (the seam for distributed data parallelism; see
/// `TrainingLoop` for where each of the four hooks runs). Every process runs the same loop on the same seeded
/// generator and draws the same global batch; then each trains on its own slice of it, the gradients are averaged
/// before every optimiser step, so every replica takes the same step, and only one process writes files.
public protocol DataParallelism: AnyObject {
    /// This process's index in 0..<worldSize; rank 0 writes samples and checkpoints.
    var rank: Int { get }
    var worldSize: Int { get }
    /// (d) Makes every process start from rank 0's values (in place, without recording gradients; once, before the
    /// first step).
    func broadcast(_ tensors: [Tensor]) throws
    /// (b) Replaces each gradient by its mean over the processes (called in place, after backward).
    func averageGradients(_ parameters: [Tensor]) throws
    /// Replaces each tensor by its mean over the processes (in place): running statistics a step keeps besides
    /// the weights, e.g. StyleGAN2's mean path length, so every replica holds the global batch's value.
    func averageValues(_ tensors: [Tensor]) throws
    /// Wall time this process has spent so far in `averageGradients` and `averageValues` (measured; 0 where
    /// nothing is communicated). Includes waiting for the slowest rank to arrive at the collective.
    var allReduceSeconds: Double { get }
}

extension DataParallelism {
    /// (c) Whether this process writes samples, checkpoints and models.
    public var writesOutputs: Bool { rank == 0 }

    /// (a) The part of a global batch of `count` items this process trains on: contiguous equal slices, the last
    /// ranks one item shorter when `count` does not divide evenly (every rank gets at least one item).
    public func localRange(count: Int) -> Range<Int> {
        let base = count / worldSize, extra = count % worldSize
        let start = rank * base + Swift.min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// (a) This process's slice of a global batch (the batch itself when there is one process).
    public func localPart<B: SliceableBatch>(of batch: B) -> B {
        worldSize == 1 ? batch : batch.slice(localRange(count: batch.batchCount))
    }

    /// (b) then the step: averages the optimiser's gradients over the processes, then applies it. Every optimiser
    /// step of a training step goes through here.
    public func step(_ optimizer: Optimizer) throws {
        if worldSize > 1 { try averageGradients(optimizer.parameters) }
        optimizer.step()
    }
}

/// One process: the whole batch, gradients as they are, broadcasts that change nothing.
public final class SingleProcess: DataParallelism {
    public init() {}
    public var rank: Int { 0 }
    public var worldSize: Int { 1 }
    public func broadcast(_ tensors: [Tensor]) throws {}
    public func averageGradients(_ parameters: [Tensor]) throws {}
    public func averageValues(_ tensors: [Tensor]) throws {}
    public var allReduceSeconds: Double { 0 }
}

/// A batch a process can take its share of: images (N×…) or the rows of a labelled set.
public protocol SliceableBatch {
    var batchCount: Int { get }
    func slice(_ range: Range<Int>) -> Self
}

extension Tensor: SliceableBatch {
    public var batchCount: Int { size(0) }
    public func slice(_ range: Range<Int>) -> Tensor { narrow(dim: 0, start: range.lowerBound, length: range.count) }
}

extension Array: SliceableBatch {
    public var batchCount: Int { count }
    public func slice(_ range: Range<Int>) -> [Element] { Array(self[range]) }
}
