import Torch

/// Batch normalisation over the channel dimension (dim 1), as torch.nn.BatchNorm{1,2}d.
///
/// Training: normalises with the batch's mean and biased variance and updates the running statistics with
/// `momentum` (running = (1 − m)·running + m·batch, the variance entering unbiased), counting batches in the int64
/// buffer `num_batches_tracked`; with `momentum` nil the running statistics are the cumulative average. Evaluation
/// uses the running statistics. Without `trackRunningStats` batch statistics are used in both modes.
public class BatchNorm: Module, Layer {
    public let numFeatures: Int
    public let eps: Double
    /// nil: cumulative average (as `torch.optim.swa_utils.update_bn` sets it while re-estimating statistics).
    public var momentum: Double?
    public let weight: Tensor?
    public let bias: Tensor?
    public let runningMean: Tensor?
    public let runningVar: Tensor?
    public let numBatchesTracked: Tensor?
    /// Accepted input ranks (2/3 for 1-d, 4 for 2-d), for a clear message instead of libtorch's.
    let acceptedRanks: Set<Int>

    init(numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool, dtype: DType,
         device: Device, acceptedRanks: Set<Int>) {
        precondition(numFeatures > 0, "BatchNorm: numFeatures must be positive")
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        self.acceptedRanks = acceptedRanks
        weight = affine ? Tensor.ones([numFeatures], dtype: dtype, device: device) : nil
        bias = affine ? Tensor.zeros([numFeatures], dtype: dtype, device: device) : nil
        runningMean = trackRunningStats ? Tensor.zeros([numFeatures], dtype: dtype, device: device) : nil
        runningVar = trackRunningStats ? Tensor.ones([numFeatures], dtype: dtype, device: device) : nil
        numBatchesTracked = trackRunningStats ? Tensor.zeros([], dtype: .int64, device: device) : nil
        super.init()
        if let weight, let bias {
            registerParameter("weight", weight)
            registerParameter("bias", bias)
        }
        if let runningMean, let runningVar, let numBatchesTracked {
            registerBuffer("running_mean", runningMean)
            registerBuffer("running_var", runningVar)
            // Checkpoints from before PyTorch 0.4.1 lack it; PyTorch then keeps the current count.
            registerBuffer("num_batches_tracked", numBatchesTracked, optionalOnLoad: true)
        }
    }

    public var tracksRunningStats: Bool { runningMean != nil }

    /// Back to the initial state: running mean 0, variance 1, no batches, weight 1, bias 0.
    public func resetParameters() {
        withNoGrad {
            runningMean?.zero_()
            runningVar?.fill_(1)
            numBatchesTracked?.zero_()
            weight?.fill_(1)
            bias?.zero_()
        }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(acceptedRanks.contains(x.rank),
                     "\(typeName): expected a \(acceptedRanks.sorted().map(String.init).joined(separator: " or "))-D input, got \(x.shape)")
        var factor = momentum ?? 0
        if isTraining, let count = numBatchesTracked {
            withNoGrad {
                // An int64 add: a float scalar would not cast back into the int64 buffer.
                count.copy_(count + Tensor([Int64(1)], shape: [], device: count.device))
            }
            if momentum == nil { factor = 1 / count.item() }
        }
        // Running statistics are updated in place by the kernel when it normalises with batch statistics.
        return Functional.batchNorm(x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                                    training: isTraining || !tracksRunningStats, momentum: factor, eps: eps)
    }
}

/// Batch norm over (N, C) or (N, C, L) input.
public final class BatchNorm1d: BatchNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true, dtype: DType = .float32, device: Device = .cpu) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
                   trackRunningStats: trackRunningStats, dtype: dtype, device: device, acceptedRanks: [2, 3])
    }
}

/// Batch norm over NCHW input.
public final class BatchNorm2d: BatchNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true, dtype: DType = .float32, device: Device = .cpu) {
        super.init(numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
                   trackRunningStats: trackRunningStats, dtype: dtype, device: device, acceptedRanks: [4])
    }
}
