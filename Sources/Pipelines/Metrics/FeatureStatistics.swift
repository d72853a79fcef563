import Torch

/// Mean and covariance of a set of feature vectors, in float64, as pytorch-fid's `calculate_activation_statistics`
/// (`np.mean(act, axis=0)`, `np.cov(act, rowvar=False)`: the unbiased N − 1 normalisation).
public struct FeatureStatistics {
    public let count: Int
    /// [D]
    public let mean: Tensor
    /// [D, D]
    public let covariance: Tensor

    public init(count: Int, mean: Tensor, covariance: Tensor) {
        self.count = count
        self.mean = mean
        self.covariance = covariance
    }

    /// Statistics of N×D features (N ≥ 2).
    public init(features: Tensor) throws {
        guard features.rank == 2 else { throw PipelineError("features must be N×D, got \(features.shape)") }
        let n = features.size(0)
        guard n >= 2 else { throw PipelineError("a covariance needs at least 2 feature vectors, got \(n)") }
        let x = features.to(.float64)
        let mu = x.mean(dim: 0)
        let centered = x - mu
        self.init(count: n, mean: mu, covariance: centered.transpose(0, 1).matmul(centered) / Double(n - 1))
    }
}
