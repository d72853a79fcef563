import NN
import Torch

/// One unit of the IR ResNet (helpers.py `bottleneck_IR` / `bottleneck_IR_SE`): `res_layer(x) + shortcut_layer(x)`.
///
/// `res_layer` = BN → 3×3 conv (stride 1) → PReLU → 3×3 conv (`stride`) → BN [→ SE], keys `res_layer.0` … `.5`.
/// `shortcut_layer` is a 1×1 max pool with `stride` (plain subsampling, no weights) when the width is kept, else a
/// strided 1×1 conv + BN (`shortcut_layer.0`, `.1`).
public final class BottleneckIR: Module, Layer {
    public let shortcutLayer: Sequential?
    public let stride: Int
    public let resLayer: Sequential

    public init(inChannels: Int, depth: Int, stride: Int, squeezeExcitation: Bool, seReduction: Int = 16) {
        self.stride = stride
        var residual: [any Layer] = [
            BatchNorm2d(inChannels),
            Conv2d(inChannels, depth, kernelSize: 3, stride: 1, padding: 1, bias: false),
            PReLU(numParameters: depth),
            Conv2d(depth, depth, kernelSize: 3, stride: stride, padding: 1, bias: false),
            BatchNorm2d(depth),
        ]
        if squeezeExcitation { residual.append(SEModule(channels: depth, reduction: seReduction)) }
        resLayer = Sequential(residual)
        shortcutLayer = inChannels == depth ? nil
            : Sequential(Conv2d(inChannels, depth, kernelSize: 1, stride: stride, bias: false), BatchNorm2d(depth))
        super.init()
        if let shortcutLayer {
            registerModule("shortcut_layer", shortcutLayer)
        } else {
            registerModule("shortcut_layer", MaxPool2d(kernelSize: 1, stride: stride))
        }
        registerModule("res_layer", resLayer)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let shortcut: Tensor
        if let shortcutLayer {
            shortcut = shortcutLayer(x)
        } else if stride == 1 {
            shortcut = x
        } else {
            // MaxPool2d(1, stride) keeps every stride-th pixel.
            shortcut = x.slice(dim: 2, start: 0, end: x.size(2), step: stride)
                .slice(dim: 3, start: 0, end: x.size(3), step: stride)
        }
        return resLayer(x) + shortcut
    }
}
