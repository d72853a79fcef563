import Foundation
import Models
import Torch

/// The optional measuring networks of the protocols. Each is used only with real weights: LPIPS and ArcFace with
/// random weights would print plausible-looking numbers that mean nothing, so without their files the columns are
/// left out and the report says so.
public struct ProtocolMetrics {
    public var lpips: LPIPSDistance?
    public var identity: (any IdentityEmbedder)?
    public var distribution: DistributionFeatures?
    public var classifier: AttributeClassifier?

    public init(lpips: LPIPSDistance? = nil, identity: (any IdentityEmbedder)? = nil,
                distribution: DistributionFeatures? = nil, classifier: AttributeClassifier? = nil) {
        self.lpips = lpips
        self.identity = identity
        self.distribution = distribution
        self.classifier = classifier
    }

    /// Notes for the report on what could not be measured.
    public var missing: [String] {
        var notes: [String] = []
        if lpips == nil { notes.append("LPIPS not measured: give --lpips-weights (its pretrained weights; random ones would mean nothing)") }
        if identity == nil { notes.append("ID similarity not measured: give --arcface (ArcFace IR-SE50 weights; faces only)") }
        if distribution == nil { notes.append("FID not measured: give --inception (FID-Inception weights) or --classifier (a domain Fréchet distance)") }
        return notes
    }

    /// MS-SSIM's five scales need sides of at least 161 pixels: smaller images are measured after a bilinear
    /// upscale to 256² (both images alike), as pSp/e4e-era evaluations resize everything to 256².
    public static func msssim(_ a: Tensor, _ b: Tensor) throws -> [Double] {
        guard a.size(2) < MSSSIM.minimumSide else { return try MSSSIM.perImage(a, b) }
        let up = { (x: Tensor) in Functional.interpolate(x, size: (256, 256), mode: .bilinear, alignCorners: false) }
        return try MSSSIM.perImage(up(a), up(b))
    }

    /// Images whose pixels inside `mask` (N×1×H×W, 1 = masked) are replaced by `fill`'s: LPIPS and SSIM of two
    /// such images see only what differs outside the mask.
    public static func pasting(_ x: Tensor, from fill: Tensor, where mask: Tensor) -> Tensor {
        x * (1 - mask) + fill * mask
    }

    /// PSNR on [0, 1] images over the pixels where `keep` (N×1×H×W, 1 = counted) is 1, per image.
    public static func maskedPSNR(_ a: Tensor, _ b: Tensor, keep: Tensor) -> [Double] {
        let d = ((a.to(.float64) - b.to(.float64)) * 0.5).square() * keep.to(.float64)
        let sums = d.sum(dims: [1, 2, 3]).doubles()
        let counts = (keep.to(.float64).sum(dims: [1, 2, 3]) * Double(a.size(1))).doubles()
        return zip(sums, counts).map { $1 > 0 ? PSNR.fromMSE($0 / $1) : .nan }
    }
}
