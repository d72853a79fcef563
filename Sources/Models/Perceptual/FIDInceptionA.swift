import NN
import Torch

/// torchvision's InceptionA block as pytorch-fid patches it (`FIDInceptionA`, Mixed_5b/5c/5d): the pooling branch
/// averages without counting the zero padding, as TensorFlow's average pool does.
public final class FIDInceptionA: Module, Layer {
    public let branch1x1: BasicConv2d
    public let branch5x5_1: BasicConv2d
    public let branch5x5_2: BasicConv2d
    public let branch3x3dbl_1: BasicConv2d
    public let branch3x3dbl_2: BasicConv2d
    public let branch3x3dbl_3: BasicConv2d
    public let branch_pool: BasicConv2d

    public init(_ inChannels: Int, poolFeatures: Int) {
        branch1x1 = BasicConv2d(inChannels, 64, kernelSize: 1)
        branch5x5_1 = BasicConv2d(inChannels, 48, kernelSize: 1)
        branch5x5_2 = BasicConv2d(48, 64, kernelSize: 5, padding: 2)
        branch3x3dbl_1 = BasicConv2d(inChannels, 64, kernelSize: 1)
        branch3x3dbl_2 = BasicConv2d(64, 96, kernelSize: 3, padding: 1)
        branch3x3dbl_3 = BasicConv2d(96, 96, kernelSize: 3, padding: 1)
        branch_pool = BasicConv2d(inChannels, poolFeatures, kernelSize: 1)
        super.init()
        registerModule("branch1x1", branch1x1)
        registerModule("branch5x5_1", branch5x5_1)
        registerModule("branch5x5_2", branch5x5_2)
        registerModule("branch3x3dbl_1", branch3x3dbl_1)
        registerModule("branch3x3dbl_2", branch3x3dbl_2)
        registerModule("branch3x3dbl_3", branch3x3dbl_3)
        registerModule("branch_pool", branch_pool)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let b1 = branch1x1(x)
        let b5 = branch5x5_2(branch5x5_1(x))
        let b3 = branch3x3dbl_3(branch3x3dbl_2(branch3x3dbl_1(x)))
        let pooled = Functional.avgPool2d(x, kernel: (3, 3), stride: (1, 1), padding: (1, 1), countIncludePad: false)
        return Tensor.cat([b1, b5, b3, branch_pool(pooled)], dim: 1)
    }
}
