import Foundation
import Torch

/// Multi-scale SSIM (Wang, Simoncelli & Bovik 2003) per image, as pytorch-msssim's `ms_ssim(data_range=1)`: five
/// scales with weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333; the contrast-structure term of the first four (clamped
/// at 0) and the SSIM of the coarsest, each raised to its weight and multiplied, per channel, then averaged over
/// channels. Between scales the images are 2×2 average-pooled, padding odd sides by one (padding counted).
/// The four halvings need the shorter side to exceed 160 pixels.
public enum MSSSIM {
    public static let weights = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]

    /// The smallest accepted image side.
    public static var minimumSide: Int { (SSIM.windowSize - 1) * (1 << (weights.count - 1)) + 1 }

    public static func perImage(_ pred: Tensor, _ target: Tensor) throws -> [Double] {
        try MetricImages.check(pred, target, "MS-SSIM")
        guard Swift.min(pred.size(2), pred.size(3)) >= minimumSide else {
            throw PipelineError("MS-SSIM needs images of at least \(minimumSide)×\(minimumSide) pixels (four halvings of an 11-tap window), got \(pred.size(3))×\(pred.size(2))")
        }
        var x = MetricImages.unitRange(pred), y = MetricImages.unitRange(target)
        var value: Tensor? = nil
        for (level, w) in weights.enumerated() {
            let (ssim, cs) = SSIM.components(x, y, dataRange: 1)
            let last = level == weights.count - 1
            let term = (last ? ssim : cs).relu().pow(w)
            value = value.map { $0 * term } ?? term
            if !last {
                let padding = (x.size(2) % 2, x.size(3) % 2)
                x = Functional.avgPool2d(x, kernel: (2, 2), stride: (2, 2), padding: padding)
                y = Functional.avgPool2d(y, kernel: (2, 2), stride: (2, 2), padding: padding)
            }
        }
        return value!.mean(dim: 1).doubles()
    }
}
