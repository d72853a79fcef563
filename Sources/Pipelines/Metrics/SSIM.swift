import Foundation
import Torch

/// Structural similarity (Wang et al. 2004) per image, with the standard constants: an 11-tap Gaussian window of
/// σ 1.5, K1 0.01, K2 0.03, data range 1 ([0, 1] images; inputs are [-1, 1]). Statistics are population (not
/// sample) moments and the map is averaged over the valid region (no padding), then over channels — the same value
/// as pytorch-msssim's `ssim(data_range=1)` and scikit-image's `structural_similarity(gaussian_weights=True,
/// sigma=1.5, use_sample_covariance=False, data_range=1, channel_axis=0)`.
public enum SSIM {
    public static let windowSize = 11
    public static let sigma = 1.5
    public static let k1 = 0.01
    public static let k2 = 0.03

    public static func perImage(_ pred: Tensor, _ target: Tensor) throws -> [Double] {
        try MetricImages.check(pred, target, "SSIM")
        try checkSize(pred, "SSIM")
        let (ssim, _) = components(MetricImages.unitRange(pred), MetricImages.unitRange(target), dataRange: 1)
        return ssim.mean(dim: 1).doubles()
    }

    static func checkSize(_ x: Tensor, _ metric: String) throws {
        guard x.size(2) >= windowSize, x.size(3) >= windowSize else {
            throw PipelineError("\(metric) needs images of at least \(windowSize)×\(windowSize) pixels, got \(x.size(3))×\(x.size(2))")
        }
    }

    /// The normalised 1-D Gaussian window: exp(−(i − size/2)² / 2σ²) / sum.
    public static func gaussianWindow(size: Int = windowSize, sigma: Double = sigma) -> [Double] {
        let g = (0..<size).map { i -> Double in
            let c = Double(i - size / 2)
            return Foundation.exp(-(c * c) / (2 * sigma * sigma))
        }
        let total = g.reduce(0, +)
        return g.map { $0 / total }
    }

    /// Mean SSIM and contrast-structure term per image and channel (N×C each) of images already on `dataRange`.
    static func components(_ x: Tensor, _ y: Tensor, dataRange: Double) -> (ssim: Tensor, cs: Tensor) {
        let c1 = (k1 * dataRange) * (k1 * dataRange)
        let c2 = (k2 * dataRange) * (k2 * dataRange)
        let channels = x.size(1)
        let g = Tensor(gaussianWindow(), device: x.device)
        let horizontal = g.reshape([1, 1, 1, windowSize]).expand([channels, 1, 1, windowSize]).contiguous()
        let vertical = g.reshape([1, 1, windowSize, 1]).expand([channels, 1, windowSize, 1]).contiguous()
        // Separable valid filtering, one channel at a time (depthwise).
        func filter(_ t: Tensor) -> Tensor {
            let h = Functional.conv2d(t, weight: vertical, groups: channels)
            return Functional.conv2d(h, weight: horizontal, groups: channels)
        }
        let mu1 = filter(x), mu2 = filter(y)
        let mu1Sq = mu1.square(), mu2Sq = mu2.square(), mu12 = mu1 * mu2
        let sigma1Sq = filter(x * x) - mu1Sq
        let sigma2Sq = filter(y * y) - mu2Sq
        let sigma12 = filter(x * y) - mu12
        let csMap = (2 * sigma12 + c2) / (sigma1Sq + sigma2Sq + c2)
        let ssimMap = (2 * mu12 + c1) / (mu1Sq + mu2Sq + c1) * csMap
        return (ssimMap.mean(dims: [2, 3]), csMap.mean(dims: [2, 3]))
    }
}
