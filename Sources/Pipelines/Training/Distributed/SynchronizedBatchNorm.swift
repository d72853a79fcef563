import Torch

/// Batch normalisation in training mode with statistics over every rank's batch (PyTorch's SyncBatchNorm): the
/// per-channel mean and biased variance of the global batch, computed with differentiable sums over ranks, so a
/// data-parallel step normalises — and backpropagates — exactly as one process holding the global batch.
/// Ordinary batch norm would normalise each rank's B images on their own, and N ranks × B would not equal N·B.
/// Two passes (mean, then the centred squares) as the single-process kernel does, not E[x²] − E[x]².
public enum SynchronizedBatchNorm {
    /// Normalises `x` (N×C×…) over dims 0, 2, … of every rank's batch; every rank must pass the same shape.
    /// Updates `runningMean`/`runningVar` like torch.nn.BatchNorm (the variance entering unbiased, over the global
    /// count) with `momentum`.
    public static func normalize(_ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor?,
                                 runningVar: Tensor?, momentum: Double, eps: Double, group: ProcessGroup) -> Tensor {
        let channels = x.size(1)
        let dims = [0] + Array(2..<max(x.rank, 2))
        let count = Double(x.count / max(channels, 1) * group.size)
        let shape = [1, channels] + Array(repeating: 1, count: max(x.rank - 2, 0))
        let mean = group.summedOverRanks(x.sum(dims: dims)) / count
        let centred = x - mean.reshape(shape)
        let variance = group.summedOverRanks((centred * centred).sum(dims: dims)) / count
        var y = centred * (variance + eps).rsqrt().reshape(shape)
        if let weight { y = y * weight.reshape(shape) }
        if let bias { y = y + bias.reshape(shape) }
        withNoGrad {
            if let runningMean { runningMean.copy_(runningMean * (1 - momentum) + mean.detach() * momentum) }
            if let runningVar, count > 1 {
                runningVar.copy_(runningVar * (1 - momentum) + variance.detach() * (count / (count - 1) * momentum))
            }
        }
        return y
    }
}
