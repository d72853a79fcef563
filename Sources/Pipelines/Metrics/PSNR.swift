import Foundation
import Torch

/// Peak signal-to-noise ratio per image in dB, on [0, 1] images (peak 1): 10·log10(1 / MSE), as
/// skimage's `peak_signal_noise_ratio(data_range=1)`. Identical images give +∞.
public enum PSNR {
    public static func perImage(_ pred: Tensor, _ target: Tensor) throws -> [Double] {
        try MeanSquaredError.perImage(pred, target).map(fromMSE)
    }

    /// The PSNR of a [0, 1]-scale mean squared error.
    public static func fromMSE(_ mse: Double) -> Double { mse > 0 ? 10 * Foundation.log10(1 / mse) : .infinity }
}
