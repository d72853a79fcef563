import NN
import Torch

/// torchvision's `vgg16().features` (configuration "D", no batch norm; `vgg16-397923af.pth`), tapped at relu1_2,
/// relu2_2, relu3_3, relu4_3 and relu5_3 as the lpips package's `vgg16` slices do. Keys: `features.0.weight` …
/// `features.28.bias`.
public final class VGG16Features: Module, LPIPSTrunk {
    public let features: Sequential
    /// Indices in `features` of relu1_2 … relu5_3.
    public static let tapIndices = [3, 8, 15, 22, 29]
    /// torchvision's configuration "D": output channels, 0 for a 2×2 max pool.
    static let configuration = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]
    public let channels = [64, 128, 256, 512, 512]

    public override init() {
        var layers: [any Layer] = []
        var inChannels = 3
        for v in Self.configuration {
            if v == 0 {
                layers.append(MaxPool2d(kernelSize: 2, stride: 2))
            } else {
                layers.append(Conv2d(inChannels, v, kernelSize: 3, padding: 1))
                layers.append(ReLU())
                inChannels = v
            }
        }
        features = Sequential(layers)
        super.init()
        registerModule("features", features)
    }

    public func taps(_ x: Tensor) -> [Tensor] { collectTaps(features.layers, at: Self.tapIndices, x) }

    public var minimumInputSide: Int { minimumSide(features.layers, through: Self.tapIndices.last!) }
}
