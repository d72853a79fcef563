import NN
import Torch

/// torchvision's `AlexNet.features` (the ImageNet classifier's convolutional part, `alexnet-owt-7be5be79.pth`),
/// tapped after each ReLU as the lpips package's `alexnet` slices do. Keys: `features.0.weight` … `features.10.bias`.
public final class AlexNetFeatures: Module, LPIPSTrunk {
    public let features: Sequential
    /// Indices in `features` of relu1 … relu5.
    public static let tapIndices = [1, 4, 7, 9, 11]
    public let channels = [64, 192, 384, 256, 256]

    public override init() {
        features = Sequential(
            Conv2d(3, 64, kernelSize: 11, stride: 4, padding: 2), ReLU(), MaxPool2d(kernelSize: 3, stride: 2),
            Conv2d(64, 192, kernelSize: 5, padding: 2), ReLU(), MaxPool2d(kernelSize: 3, stride: 2),
            Conv2d(192, 384, kernelSize: 3, padding: 1), ReLU(),
            Conv2d(384, 256, kernelSize: 3, padding: 1), ReLU(),
            Conv2d(256, 256, kernelSize: 3, padding: 1), ReLU(),
            // Unused by LPIPS, kept so the numbering is torchvision's.
            MaxPool2d(kernelSize: 3, stride: 2))
        super.init()
        registerModule("features", features)
    }

    public func taps(_ x: Tensor) -> [Tensor] { collectTaps(features.layers, at: Self.tapIndices, x) }

    public var minimumInputSide: Int { minimumSide(features.layers, through: Self.tapIndices.last!) }
}
