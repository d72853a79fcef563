import NN
import Torch

/// torchvision Inception's unit: convolution without bias, batch norm with eps 0.001 (the TensorFlow port's value),
/// ReLU. Keys `conv.weight`, `bn.weight|bias|running_mean|running_var|num_batches_tracked`.
public final class BasicConv2d: Module, Layer {
    public let conv: Conv2d
    public let bn: BatchNorm2d

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: Int = 1,
                padding: (Int, Int) = (0, 0)) {
        conv = Conv2d(inChannels, outChannels, kernelSize: kernelSize, stride: (stride, stride), padding: padding,
                      bias: false)
        bn = BatchNorm2d(outChannels, eps: 0.001)
        super.init()
        registerModule("conv", conv)
        registerModule("bn", bn)
    }

    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: stride,
                  padding: (padding, padding))
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { bn(conv(x)).relu() }
}
