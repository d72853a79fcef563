import NN
import Torch

/// torchvision's InceptionD block (Mixed_7a, unpatched in pytorch-fid): grid reduction 17² → 8².
public final class InceptionD: Module, Layer {
    public let branch3x3_1: BasicConv2d
    public let branch3x3_2: BasicConv2d
    public let branch7x7x3_1: BasicConv2d
    public let branch7x7x3_2: BasicConv2d
    public let branch7x7x3_3: BasicConv2d
    public let branch7x7x3_4: BasicConv2d

    public init(_ inChannels: Int) {
        branch3x3_1 = BasicConv2d(inChannels, 192, kernelSize: 1)
        branch3x3_2 = BasicConv2d(192, 320, kernelSize: 3, stride: 2)
        branch7x7x3_1 = BasicConv2d(inChannels, 192, kernelSize: 1)
        branch7x7x3_2 = BasicConv2d(192, 192, kernelSize: (1, 7), padding: (0, 3))
        branch7x7x3_3 = BasicConv2d(192, 192, kernelSize: (7, 1), padding: (3, 0))
        branch7x7x3_4 = BasicConv2d(192, 192, kernelSize: 3, stride: 2)
        super.init()
        registerModule("branch3x3_1", branch3x3_1)
        registerModule("branch3x3_2", branch3x3_2)
        registerModule("branch7x7x3_1", branch7x7x3_1)
        registerModule("branch7x7x3_2", branch7x7x3_2)
        registerModule("branch7x7x3_3", branch7x7x3_3)
        registerModule("branch7x7x3_4", branch7x7x3_4)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let b3 = branch3x3_2(branch3x3_1(x))
        let b7 = branch7x7x3_4(branch7x7x3_3(branch7x7x3_2(branch7x7x3_1(x))))
        let pooled = Functional.maxPool2d(x, kernel: (3, 3), stride: (2, 2))
        return Tensor.cat([b3, b7, pooled], dim: 1)
    }
}
