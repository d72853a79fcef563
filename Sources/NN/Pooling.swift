import Torch

/// Max pooling over NCHW, as torch.nn.MaxPool2d (stride defaults to the kernel size).
public final class MaxPool2d: Module, Layer {
    public let kernelSize: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let ceilMode: Bool

    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
        super.init()
    }

    public convenience init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                            ceilMode: Bool = false) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                  dilation: (dilation, dilation), ceilMode: ceilMode)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Functional.maxPool2d(x, kernel: kernelSize, stride: stride, padding: padding, dilation: dilation,
                             ceilMode: ceilMode)
    }
}

/// Average pooling over NCHW, as torch.nn.AvgPool2d (stride defaults to the kernel size).
public final class AvgPool2d: Module, Layer {
    public let kernelSize: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let ceilMode: Bool
    public let countIncludePad: Bool

    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                ceilMode: Bool = false, countIncludePad: Bool = true) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
        super.init()
    }

    public convenience init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                            countIncludePad: Bool = true) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                  ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Functional.avgPool2d(x, kernel: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                             countIncludePad: countIncludePad)
    }
}

/// Average pooling to a fixed output size, as torch.nn.AdaptiveAvgPool2d.
public final class AdaptiveAvgPool2d: Module, Layer {
    public let outputSize: (Int, Int)

    public init(_ outputSize: (Int, Int)) {
        self.outputSize = outputSize
        super.init()
    }

    public convenience init(_ outputSize: Int) { self.init((outputSize, outputSize)) }

    public func callAsFunction(_ x: Tensor) -> Tensor { Functional.adaptiveAvgPool2d(x, outputSize) }
}
