import Torch

/// The training loop's seam (`DataParallelism`) served by c10d: (a) the loop's `localPart` slices the global batch
/// by `rank`, (b) gradients are averaged by bucketed all-reduce, (c) `writesOutputs` is rank 0, (d) the broadcast
/// gives every rank rank 0's parameters and buffers.
extension DataParallel: DataParallelism {
    public func broadcast(_ tensors: [Tensor]) throws { try broadcastFromRankZero(tensors) }
    public func averageGradients(_ parameters: [Tensor]) throws { try averageGradients(of: parameters) }
    public func averageValues(_ tensors: [Tensor]) throws { try averageValues(of: tensors) }
}
