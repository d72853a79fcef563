import Torch

/// What the full-reference metrics share: both inputs N×C×H×W in [-1, 1] with equal shapes, measured in float64
/// on [0, 1] (data range 1), as scikit-image, pytorch-msssim and most papers report MSE, PSNR and SSIM.
enum MetricImages {
    static func check(_ pred: Tensor, _ target: Tensor, _ metric: String) throws {
        guard pred.rank == 4, pred.shape == target.shape else {
            throw PipelineError("\(metric): expected two N×C×H×W images of the same shape, got \(pred.shape) and \(target.shape)")
        }
    }

    /// [-1, 1] → [0, 1], in float64 so that variances (E[x²] − μ²) do not cancel badly.
    static func unitRange(_ x: Tensor) -> Tensor { (x.to(.float64) + 1) * 0.5 }
}
