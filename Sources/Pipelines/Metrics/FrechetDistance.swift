import Torch

/// The Fréchet distance between two Gaussians, d² = ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2 tr √(Σ1 Σ2) — FID when the
/// Gaussians are fitted to Inception pool3 features. Computed in float64.
///
/// tr √(Σ1 Σ2) without a general matrix square root: Σ1 Σ2 is similar to the symmetric positive semi-definite
/// √Σ1 Σ2 √Σ1 (√Σ1 the symmetric square root, from an eigen-decomposition), so its square root's trace is the sum
/// of the square roots of that symmetric matrix's eigenvalues. Eigenvalues that round-off makes slightly negative
/// are clamped to 0. This is stable where pytorch-fid's `scipy.linalg.sqrtm` needs an ε on the diagonal.
///
/// From the features themselves (`compute(features:_:)`), sets much smaller than the feature dimension take a
/// shorter road to the same value: with A1, A2 the centred features, Σ1 Σ2 = A1ᵀ (A1 A2ᵀ A2) / ((n1 − 1)(n2 − 1)),
/// whose non-zero eigenvalues are those of M Mᵀ / ((n1 − 1)(n2 − 1)) for M = A1 A2ᵀ (n1 × n2): XY and YX share
/// them. So tr √(Σ1 Σ2) is the sum of M's singular values over √((n1 − 1)(n2 − 1)), an n1 × n2 singular-value problem in
/// place of two D × D eigen-problems (1,000 Inception features: 1,000² instead of 2,048², twice).
public enum FrechetDistance {
    /// The distance between the Gaussians fitted to two feature sets (N1×D, N2×D; each N ≥ 2), through the
    /// smaller problem: the features' own when N1·N2 ≤ D², the covariances' otherwise.
    public static func compute(features a: Tensor, _ b: Tensor) throws -> Double {
        guard a.rank == 2, b.rank == 2, a.size(1) == b.size(1) else {
            throw PipelineError("Fréchet distance: features must be N×D with one D, got \(a.shape) and \(b.shape)")
        }
        // LAPACK does not converge on NaN or Inf; say which set holds them instead.
        for (features, name) in [(a, "first"), (b, "second")] where features.isFinite().all().item() == 0 {
            throw PipelineError("Fréchet distance: the \(name) set's features hold NaN or Inf values")
        }
        let (n1, n2, d) = (a.size(0), b.size(0), a.size(1))
        guard n1 * n2 <= d * d else { return try compute(FeatureStatistics(features: a), FeatureStatistics(features: b)) }
        guard n1 >= 2, n2 >= 2 else {
            throw PipelineError("a covariance needs at least 2 feature vectors, got \(Swift.min(n1, n2))")
        }
        let x1 = a.to(.float64), x2 = b.to(.float64)
        let mean1 = x1.mean(dim: 0), mean2 = x2.mean(dim: 0)
        let c1 = x1 - mean1, c2 = x2 - mean2
        let scale1 = Double(n1 - 1), scale2 = Double(n2 - 1)
        let trace1 = c1.square().sum().item() / scale1, trace2 = c2.square().sum().item() / scale2
        // Singular values straight from M, not as √ of M Mᵀ's eigenvalues: squaring would turn the ε of the
        // zero direction that centring leaves into √ε.
        let singularSum = c1.matmul(c2.transpose(0, 1)).singularValues().sum().item()
        let value = (mean1 - mean2).square().sum().item() + trace1 + trace2 - 2 * singularSum / (scale1 * scale2).squareRoot()
        return Swift.max(0, value)
    }

    public static func compute(_ a: FeatureStatistics, _ b: FeatureStatistics) throws -> Double {
        try compute(mean1: a.mean, covariance1: a.covariance, mean2: b.mean, covariance2: b.covariance)
    }

    public static func compute(mean1: Tensor, covariance1: Tensor, mean2: Tensor, covariance2: Tensor) throws -> Double {
        let d = mean1.count
        guard mean1.shape == [d], mean2.shape == [d], covariance1.shape == [d, d], covariance2.shape == [d, d] else {
            throw PipelineError("Fréchet distance: means must be [D] and covariances [D, D] alike, got \(mean1.shape), \(covariance1.shape), \(mean2.shape), \(covariance2.shape)")
        }
        let s1 = covariance1.to(.float64), s2 = covariance2.to(.float64)
        let diff = mean1.to(.float64) - mean2.to(.float64)
        let trace1 = trace(s1), trace2 = trace(s2)
        let value = diff.square().sum().item() + trace1 + trace2 - 2 * traceSqrtProduct(s1, s2)
        // The distance is non-negative; round-off can leave a tiny negative for (nearly) equal Gaussians.
        return Swift.max(0, value)
    }

    /// tr √(Σ1 Σ2) for symmetric positive semi-definite Σ1, Σ2.
    static func traceSqrtProduct(_ s1: Tensor, _ s2: Tensor) -> Double {
        let root1 = symmetricSquareRoot(s1)
        let m = root1.matmul(s2).matmul(root1)
        let eigenvalues = symmetrize(m).symmetricEigen().values
        return eigenvalues.clamp(min: 0).sqrt().sum().item()
    }

    /// The symmetric positive semi-definite square root V diag(√max(λ, 0)) Vᵀ.
    static func symmetricSquareRoot(_ s: Tensor) -> Tensor {
        let (values, vectors) = symmetrize(s).symmetricEigen()
        return (vectors * values.clamp(min: 0).sqrt().unsqueeze(dim: 0)).matmul(vectors.transpose(0, 1))
    }

    static func symmetrize(_ m: Tensor) -> Tensor { (m + m.transpose(0, 1)) * 0.5 }

    static func trace(_ m: Tensor) -> Double {
        let n = m.size(0)
        return (m * Tensor.eye(n, dtype: m.dtype, device: m.device)).sum().item()
    }
}
