import Torch

/// The Fréchet distance between two Gaussians, d² = ‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2 tr √(Σ1 Σ2) — FID when the
/// Gaussians are fitted to Inception pool3 features. Computed in float64.
///
/// tr √(Σ1 Σ2) without a general matrix square root: Σ1 Σ2 is similar to the symmetric positive semi-definite
/// √Σ1 Σ2 √Σ1 (√Σ1 the symmetric square root, from an eigen-decomposition), so its square root's trace is the sum
/// of the square roots of that symmetric matrix's eigenvalues. Eigenvalues that round-off makes slightly negative
/// are clamped to 0. This is stable where pytorch-fid's `scipy.linalg.sqrtm` needs an ε on the diagonal.
public enum FrechetDistance {
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
