import NN
import Torch

/// Squeeze-and-excitation (helpers.py `SEModule`): global average pool → 1×1 conv down by `reduction` → ReLU →
/// 1×1 conv back up → sigmoid, which rescales the input's channels. Children named `avg_pool`, `fc1`, `relu`, `fc2`,
/// `sigmoid` as in the reference, so the weights are `fc1.weight`, `fc2.weight` (no biases).
public final class SEModule: Module, Layer {
    public let fc1: Conv2d
    public let fc2: Conv2d

    public init(channels: Int, reduction: Int) {
        fc1 = Conv2d(channels, channels / reduction, kernelSize: 1, bias: false)
        fc2 = Conv2d(channels / reduction, channels, kernelSize: 1, bias: false)
        super.init()
        registerModule("avg_pool", AdaptiveAvgPool2d(1))
        registerModule("fc1", fc1)
        registerModule("relu", ReLU())
        registerModule("fc2", fc2)
        registerModule("sigmoid", Sigmoid())
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let s = fc2(fc1(Functional.adaptiveAvgPool2d(x, (1, 1))).relu()).sigmoid()
        return x * s
    }
}
