import Foundation
import Torch

/// Kernel Inception Distance (Bińkowski et al. 2018): the unbiased estimate of the squared MMD between two feature
/// sets under the polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over random subsets — as the reference
/// implementations (Bińkowski's, StyleGAN2-ADA's `compute_kid`, torch-fidelity) do: 100 subsets of
/// m = min(|real|, |fake|, 1000) vectors drawn without replacement from each set. Subsets come from libtorch's seeded
/// generator (`Tensor.randperm`), so a seed fixes the value. Computed in float64.
public enum KernelInceptionDistance {
    public struct Result: Equatable, Sendable {
        /// Mean of the subset estimates: the KID.
        public let mean: Double
        /// Their standard deviation (as torch-fidelity reports it).
        public let std: Double
        public let subsets: Int
        public let subsetSize: Int
    }

    public static func compute(real: Tensor, fake: Tensor, subsets: Int = 100, maxSubsetSize: Int = 1000) throws -> Result {
        guard real.rank == 2, fake.rank == 2, real.size(1) == fake.size(1) else {
            throw PipelineError("KID: features must be N×D with equal D, got \(real.shape) and \(fake.shape)")
        }
        guard subsets >= 1, maxSubsetSize >= 2 else {
            throw PipelineError("KID: need at least 1 subset of at least 2 samples, got \(subsets) × \(maxSubsetSize)")
        }
        let m = Swift.min(real.size(0), fake.size(0), maxSubsetSize)
        guard m >= 2 else { throw PipelineError("KID needs at least 2 images in each set, got \(real.size(0)) and \(fake.size(0))") }
        let x = real.to(.float64), y = fake.to(.float64)
        var values: [Double] = []
        values.reserveCapacity(subsets)
        for _ in 0..<subsets {
            let xs = x.indexSelect(dim: 0, index: Tensor.randperm(x.size(0), device: x.device).narrow(dim: 0, start: 0, length: m))
            let ys = y.indexSelect(dim: 0, index: Tensor.randperm(y.size(0), device: y.device).narrow(dim: 0, start: 0, length: m))
            values.append(unbiasedMMD2(xs, ys))
        }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        return Result(mean: mean, std: variance.squareRoot(), subsets: subsets, subsetSize: m)
    }

    /// The polynomial kernel matrix (a bᵀ / d + 1)³.
    static func kernel(_ a: Tensor, _ b: Tensor) -> Tensor {
        (a.matmul(b.transpose(0, 1)) / Double(a.size(1)) + 1).pow(3)
    }

    /// Unbiased MMD² of two equally sized samples: the within-set kernel means leave out the diagonal.
    static func unbiasedMMD2(_ x: Tensor, _ y: Tensor) -> Double {
        let m = Double(x.size(0))
        let kxx = kernel(x, x), kyy = kernel(y, y), kxy = kernel(x, y)
        func offDiagonalSum(_ k: Tensor) -> Double {
            k.sum().item() - (k * Tensor.eye(k.size(0), dtype: k.dtype, device: k.device)).sum().item()
        }
        return (offDiagonalSum(kxx) + offDiagonalSum(kyy)) / (m * (m - 1)) - 2 * kxy.sum().item() / (m * m)
    }
}
