import Torch

/// Mean squared error per image, on [0, 1] images (inputs are [-1, 1]; the value is a quarter of the MSE measured on
/// [-1, 1]). Averaged over channels and pixels.
public enum MeanSquaredError {
    public static func perImage(_ pred: Tensor, _ target: Tensor) throws -> [Double] {
        try MetricImages.check(pred, target, "MSE")
        let d = MetricImages.unitRange(pred) - MetricImages.unitRange(target)
        return d.square().mean(dims: [1, 2, 3]).doubles()
    }
}
