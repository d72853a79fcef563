import Torch

/// 2-D convolution over NCHW input, as torch.nn.Conv2d with zero padding (`weight` is out×(in/groups)×kh×kw).
public final class Conv2d: Module, Layer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int
    public let weight: Tensor
    public let bias: Tensor?

    /// Square kernel, stride, padding and dilation.
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1,
                            padding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true,
                            dtype: DType = .float32, device: Device = .cpu) {
        self.init(inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias,
                  dtype: dtype, device: device)
    }

    /// (height, width) kernel, stride, padding and dilation. Weights start as PyTorch's defaults:
    /// U(−1/√fan_in, 1/√fan_in) with fan_in = in/groups·kh·kw, for the weight and the bias.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
                dtype: DType = .float32, device: Device = .cpu) {
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: channels \(inChannels)→\(outChannels) not divisible by groups \(groups)")
        precondition(kernelSize.0 > 0 && kernelSize.1 > 0 && stride.0 > 0 && stride.1 > 0
                     && dilation.0 > 0 && dilation.1 > 0 && padding.0 >= 0 && padding.1 >= 0,
                     "Conv2d: invalid kernel \(kernelSize), stride \(stride), padding \(padding) or dilation \(dilation)")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        weight = Tensor.zeros([outChannels, inChannels / groups, kernelSize.0, kernelSize.1], dtype: dtype,
                              device: device)
        self.bias = bias ? Tensor.zeros([outChannels], dtype: dtype, device: device) : nil
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
        resetParameters()
    }

    public func resetParameters() { Init.resetLinearLike(weight: weight, bias: bias) }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Functional.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
                          groups: groups)
    }
}
