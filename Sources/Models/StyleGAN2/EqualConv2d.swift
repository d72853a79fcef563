import NN
import Torch

/// A convolution with equalized learning rate (weights scaled by 1/√fan_in at run time).
public final class EqualConv2d: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let scale: Double
    public let stride: Int
    public let padding: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true) {
        weight = Tensor.randn([outChannels, inChannels, kernelSize, kernelSize])
        self.bias = bias ? Tensor.zeros([outChannels]) : nil
        scale = 1 / Double(inChannels * kernelSize * kernelSize).squareRoot()
        self.stride = stride
        self.padding = padding
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Functional.conv2d(x, weight: weight * scale, bias: bias, stride: (stride, stride), padding: (padding, padding))
    }
}
