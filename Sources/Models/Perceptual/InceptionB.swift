import NN
import Torch

/// torchvision's InceptionB block (Mixed_6a, unpatched in pytorch-fid): grid reduction 35² → 17².
public final class InceptionB: Module, Layer {
    public let branch3x3: BasicConv2d
    public let branch3x3dbl_1: BasicConv2d
    public let branch3x3dbl_2: BasicConv2d
    public let branch3x3dbl_3: BasicConv2d

    public init(_ inChannels: Int) {
        branch3x3 = BasicConv2d(inChannels, 384, kernelSize: 3, stride: 2)
        branch3x3dbl_1 = BasicConv2d(inChannels, 64, kernelSize: 1)
        branch3x3dbl_2 = BasicConv2d(64, 96, kernelSize: 3, padding: 1)
        branch3x3dbl_3 = BasicConv2d(96, 96, kernelSize: 3, stride: 2)
        super.init()
        registerModule("branch3x3", branch3x3)
        registerModule("branch3x3dbl_1", branch3x3dbl_1)
        registerModule("branch3x3dbl_2", branch3x3dbl_2)
        registerModule("branch3x3dbl_3", branch3x3dbl_3)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let b3 = branch3x3(x)
        let bd = branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x)))
        let pooled = Functional.maxPool2d(x, kernel: (3, 3), stride: (2, 2))
        return Tensor.cat([b3, bd, pooled], dim: 1)
    }
}
