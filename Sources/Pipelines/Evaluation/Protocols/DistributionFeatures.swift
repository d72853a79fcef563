import Foundation
import Models
import Torch

/// The features that distribution distances (FD, KID) between image sets are computed on. With FID-Inception
/// weights they are the standard pool3 features (FID proper). Without them, on the synthetic domain, they are the
/// attribute classifier's pooled features: a domain-specific Fréchet distance (as FD on a domain network is used
/// where Inception does not apply) that is comparable between methods of one report but not to published FIDs.
/// Random-weight Inception features are never used here: they would look like FID and mean nothing.
public enum DistributionFeatures {
    case inception(FIDInceptionV3)
    case classifier(AttributeClassifier)

    /// The metric's name in reports: "FID" or "FD(classifier)".
    public var metricName: String {
        switch self {
        case .inception: return "FID"
        case .classifier: return "FD(classifier)"
        }
    }

    public var description: String {
        switch self {
        case .inception: return "FID-Inception pool3 features (2048-d)"
        case .classifier(let c): return "the attribute classifier's pooled features (\(c.config.widths.last ?? 0)-d): a domain Fréchet distance, not comparable to published FIDs"
        }
    }

    /// N×D float64 features on the CPU for N×3×H×W images in [-1, 1], `batch` at a time.
    public func features(_ images: Tensor, batch: Int = 32) -> Tensor {
        withInferenceMode {
            Tensor.cat(images.split(size: batch).map { chunk -> Tensor in
                switch self {
                case .inception(let model):
                    let size = FIDInceptionV3.inputSize
                    let x = chunk.size(2) == size && chunk.size(3) == size ? chunk
                        : Functional.interpolate(chunk, size: (size, size), mode: .bilinear, alignCorners: false)
                    return model(x.to(device: model.parameters()[0].device)).to(.float64, device: .cpu)
                case .classifier(let model):
                    return model.embedding(chunk.to(device: model.head.weight.device)).to(.float64, device: .cpu)
                }
            })
        }
    }

    /// Fréchet distance and KID between two feature sets (rows are images).
    public static func distances(_ a: Tensor, _ b: Tensor, kidSubsets: Int = 100) throws -> (fd: Double, kid: Double) {
        let fd = try FrechetDistance.compute(features: a, b)
        let kid = try KernelInceptionDistance.compute(real: a, fake: b, subsets: kidSubsets, maxSubsetSize: 1000)
        return (fd, kid.mean)
    }
}
