import NN
import Torch

/// torchvision's InceptionC block as pytorch-fid patches it (`FIDInceptionC`, Mixed_6b…6e): factorised 7×7
/// convolutions; the pooling branch averages without counting the zero padding.
public final class FIDInceptionC: Module, Layer {
    public let branch1x1: BasicConv2d
    public let branch7x7_1: BasicConv2d
    public let branch7x7_2: BasicConv2d
    public let branch7x7_3: BasicConv2d
    public let branch7x7dbl_1: BasicConv2d
    public let branch7x7dbl_2: BasicConv2d
    public let branch7x7dbl_3: BasicConv2d
    public let branch7x7dbl_4: BasicConv2d
    public let branch7x7dbl_5: BasicConv2d
    public let branch_pool: BasicConv2d

    public init(_ inChannels: Int, channels7x7 c7: Int) {
        branch1x1 = BasicConv2d(inChannels, 192, kernelSize: 1)
        branch7x7_1 = BasicConv2d(inChannels, c7, kernelSize: 1)
        branch7x7_2 = BasicConv2d(c7, c7, kernelSize: (1, 7), padding: (0, 3))
        branch7x7_3 = BasicConv2d(c7, 192, kernelSize: (7, 1), padding: (3, 0))
        branch7x7dbl_1 = BasicConv2d(inChannels, c7, kernelSize: 1)
        branch7x7dbl_2 = BasicConv2d(c7, c7, kernelSize: (7, 1), padding: (3, 0))
        branch7x7dbl_3 = BasicConv2d(c7, c7, kernelSize: (1, 7), padding: (0, 3))
        branch7x7dbl_4 = BasicConv2d(c7, c7, kernelSize: (7, 1), padding: (3, 0))
        branch7x7dbl_5 = BasicConv2d(c7, 192, kernelSize: (1, 7), padding: (0, 3))
        branch_pool = BasicConv2d(inChannels, 192, kernelSize: 1)
        super.init()
        registerModule("branch1x1", branch1x1)
        registerModule("branch7x7_1", branch7x7_1)
        registerModule("branch7x7_2", branch7x7_2)
        registerModule("branch7x7_3", branch7x7_3)
        registerModule("branch7x7dbl_1", branch7x7dbl_1)
        registerModule("branch7x7dbl_2", branch7x7dbl_2)
        registerModule("branch7x7dbl_3", branch7x7dbl_3)
        registerModule("branch7x7dbl_4", branch7x7dbl_4)
        registerModule("branch7x7dbl_5", branch7x7dbl_5)
        registerModule("branch_pool", branch_pool)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let b1 = branch1x1(x)
        let b7 = branch7x7_3(branch7x7_2(branch7x7_1(x)))
        let bd = branch7x7dbl_5(branch7x7dbl_4(branch7x7dbl_3(branch7x7dbl_2(branch7x7dbl_1(x)))))
        let pooled = Functional.avgPool2d(x, kernel: (3, 3), stride: (1, 1), padding: (1, 1), countIncludePad: false)
        return Tensor.cat([b1, b7, bd, branch_pool(pooled)], dim: 1)
    }
}
