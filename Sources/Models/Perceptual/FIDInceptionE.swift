import NN
import Torch

/// torchvision's InceptionE block as pytorch-fid patches it: `FIDInceptionE_1` (Mixed_7b) pools by averaging
/// without counting the zero padding; `FIDInceptionE_2` (Mixed_7c) pools by max, as the TensorFlow graph the FID
/// weights come from does. The two differ only in that pooling, so one class serves both.
public final class FIDInceptionE: Module, Layer {
    public enum Pooling: Sendable {
        /// `FIDInceptionE_1`: 3×3 average, padding not counted.
        case average
        /// `FIDInceptionE_2`: 3×3 max.
        case max
    }

    public let pooling: Pooling
    public let branch1x1: BasicConv2d
    public let branch3x3_1: BasicConv2d
    public let branch3x3_2a: BasicConv2d
    public let branch3x3_2b: BasicConv2d
    public let branch3x3dbl_1: BasicConv2d
    public let branch3x3dbl_2: BasicConv2d
    public let branch3x3dbl_3a: BasicConv2d
    public let branch3x3dbl_3b: BasicConv2d
    public let branch_pool: BasicConv2d

    public init(_ inChannels: Int, pooling: Pooling) {
        self.pooling = pooling
        branch1x1 = BasicConv2d(inChannels, 320, kernelSize: 1)
        branch3x3_1 = BasicConv2d(inChannels, 384, kernelSize: 1)
        branch3x3_2a = BasicConv2d(384, 384, kernelSize: (1, 3), padding: (0, 1))
        branch3x3_2b = BasicConv2d(384, 384, kernelSize: (3, 1), padding: (1, 0))
        branch3x3dbl_1 = BasicConv2d(inChannels, 448, kernelSize: 1)
        branch3x3dbl_2 = BasicConv2d(448, 384, kernelSize: 3, padding: 1)
        branch3x3dbl_3a = BasicConv2d(384, 384, kernelSize: (1, 3), padding: (0, 1))
        branch3x3dbl_3b = BasicConv2d(384, 384, kernelSize: (3, 1), padding: (1, 0))
        branch_pool = BasicConv2d(inChannels, 192, kernelSize: 1)
        super.init()
        registerModule("branch1x1", branch1x1)
        registerModule("branch3x3_1", branch3x3_1)
        registerModule("branch3x3_2a", branch3x3_2a)
        registerModule("branch3x3_2b", branch3x3_2b)
        registerModule("branch3x3dbl_1", branch3x3dbl_1)
        registerModule("branch3x3dbl_2", branch3x3dbl_2)
        registerModule("branch3x3dbl_3a", branch3x3dbl_3a)
        registerModule("branch3x3dbl_3b", branch3x3dbl_3b)
        registerModule("branch_pool", branch_pool)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let b1 = branch1x1(x)
        let s = branch3x3_1(x)
        let b3 = Tensor.cat([branch3x3_2a(s), branch3x3_2b(s)], dim: 1)
        let d = branch3x3dbl_2(branch3x3dbl_1(x))
        let bd = Tensor.cat([branch3x3dbl_3a(d), branch3x3dbl_3b(d)], dim: 1)
        let pooled: Tensor
        switch pooling {
        case .average:
            pooled = Functional.avgPool2d(x, kernel: (3, 3), stride: (1, 1), padding: (1, 1), countIncludePad: false)
        case .max:
            pooled = Functional.maxPool2d(x, kernel: (3, 3), stride: (1, 1), padding: (1, 1))
        }
        return Tensor.cat([b1, b3, bd, branch_pool(pooled)], dim: 1)
    }
}
