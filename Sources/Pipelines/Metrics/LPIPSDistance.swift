import Models
import Torch

/// LPIPS per image pair, with the input checks the model itself leaves to its callers (shape, 3 channels, the
/// trunk's minimum size). `isRandom` tells reports to warn that the numbers are not comparable to published ones.
public struct LPIPSDistance {
    public let model: LPIPS

    public init(model: LPIPS) { self.model = model }

    public var isRandom: Bool { !model.hasPretrainedWeights }

    /// Distances for N×3×H×W images in [-1, 1], computed without autograd on the model's device.
    public func perImage(_ pred: Tensor, _ target: Tensor) throws -> [Double] {
        try MetricImages.check(pred, target, "LPIPS")
        guard pred.size(1) == 3 else { throw PipelineError("LPIPS needs RGB images, got \(pred.size(1)) channel(s)") }
        let side = model.minimumInputSide
        guard pred.size(2) >= side, pred.size(3) >= side else {
            throw PipelineError("LPIPS(\(model.network.rawValue)) needs images of at least \(side)×\(side) pixels, got \(pred.size(3))×\(pred.size(2))")
        }
        let device = model.scalingLayer.shift.device
        return withInferenceMode {
            model(pred.to(.float32, device: device), target.to(.float32, device: device)).to(.float64, device: .cpu).doubles()
        }
    }
}
