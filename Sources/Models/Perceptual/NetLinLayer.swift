import NN
import Torch

/// One LPIPS head: a 1×1 convolution (no bias) from a layer's squared feature differences to one channel, after a
/// dropout that only acts in training. `model.0` is the dropout and `model.1` the convolution, so the key is
/// `model.1.weight` as in the lpips package's v0.1 weight files.
public final class NetLinLayer: Module, Layer {
    public let model: Sequential
    public let conv: Conv2d

    public init(_ inChannels: Int) {
        conv = Conv2d(inChannels, 1, kernelSize: 1, bias: false)
        model = Sequential(Dropout(p: 0.5), conv)
        super.init()
        registerModule("model", model)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { model(x) }
}
