import Foundation
import NN
import Torch

/// The Inception-v3 that FID and KID are defined with: the TensorFlow graph `inception-2015-12-05` as pytorch-fid
/// ports it (`fid_inception_v3`: torchvision's Inception3 layout with the `FIDInceptionA/C/E_1/E_2` patches), up to
/// the 2048-d pool3 features. Keys as in `pt_inception-2015-12-05-6726825d.pth`: `Conv2d_1a_3x3.conv.weight`,
/// `Mixed_5b.branch1x1.conv.weight`, … (its `fc.*` classifier is not needed and is ignored when loading).
///
/// Input: N×3×H×W in [-1, 1]. Like pytorch-fid's `InceptionV3(resize_input=True, normalize_input=True)` it resizes
/// to 299×299 bilinearly (align_corners=False, no antialiasing) — pytorch-fid resizes [0, 1] images and then maps
/// them to [-1, 1]; both steps are linear, so resizing the [-1, 1] image is the same.
///
/// Constructed directly, the weights are random (He-normal convolutions, identity batch norm, from libtorch's seeded
/// generator): tests and the synthetic domain use that, and `hasPretrainedWeights` is false — FID/KID from random weights are only comparable among
/// themselves. Always in evaluation mode with frozen parameters.
public final class FIDInceptionV3: Module {
    public static let inputSize = 299
    public static let featureDimension = 2048

    public let Conv2d_1a_3x3 = BasicConv2d(3, 32, kernelSize: 3, stride: 2)
    public let Conv2d_2a_3x3 = BasicConv2d(32, 32, kernelSize: 3)
    public let Conv2d_2b_3x3 = BasicConv2d(32, 64, kernelSize: 3, padding: 1)
    public let Conv2d_3b_1x1 = BasicConv2d(64, 80, kernelSize: 1)
    public let Conv2d_4a_3x3 = BasicConv2d(80, 192, kernelSize: 3)
    public let Mixed_5b = FIDInceptionA(192, poolFeatures: 32)
    public let Mixed_5c = FIDInceptionA(256, poolFeatures: 64)
    public let Mixed_5d = FIDInceptionA(288, poolFeatures: 64)
    public let Mixed_6a = InceptionB(288)
    public let Mixed_6b = FIDInceptionC(768, channels7x7: 128)
    public let Mixed_6c = FIDInceptionC(768, channels7x7: 160)
    public let Mixed_6d = FIDInceptionC(768, channels7x7: 160)
    public let Mixed_6e = FIDInceptionC(768, channels7x7: 192)
    public let Mixed_7a = InceptionD(768)
    public let Mixed_7b = FIDInceptionE(1280, pooling: .average)
    public let Mixed_7c = FIDInceptionE(2048, pooling: .max)

    /// The file the weights came from; nil for random weights.
    public internal(set) var weightFile: URL?
    public var hasPretrainedWeights: Bool { weightFile != nil }

    public override init() {
        super.init()
        // torchvision's registration order, so `stateDict()` lists keys as the reference does.
        registerModule("Conv2d_1a_3x3", Conv2d_1a_3x3)
        registerModule("Conv2d_2a_3x3", Conv2d_2a_3x3)
        registerModule("Conv2d_2b_3x3", Conv2d_2b_3x3)
        registerModule("Conv2d_3b_1x1", Conv2d_3b_1x1)
        registerModule("Conv2d_4a_3x3", Conv2d_4a_3x3)
        registerModule("Mixed_5b", Mixed_5b)
        registerModule("Mixed_5c", Mixed_5c)
        registerModule("Mixed_5d", Mixed_5d)
        registerModule("Mixed_6a", Mixed_6a)
        registerModule("Mixed_6b", Mixed_6b)
        registerModule("Mixed_6c", Mixed_6c)
        registerModule("Mixed_6d", Mixed_6d)
        registerModule("Mixed_6e", Mixed_6e)
        registerModule("Mixed_7a", Mixed_7a)
        registerModule("Mixed_7b", Mixed_7b)
        registerModule("Mixed_7c", Mixed_7c)
        // PyTorch's default initialisation shrinks the signal ~2.5× per layer, so random features would be ~0 after
        // the 47 layers; He initialisation keeps them O(1), which makes random-weight FID/KID informative.
        withNoGrad {
            for (name, p) in namedParameters() where name.hasSuffix(".conv.weight") {
                let fanIn = p.size(1) * p.size(2) * p.size(3)
                p.normal_(mean: 0, std: (2.0 / Double(fanIn)).squareRoot())
            }
        }
        freeze()
        train(false)
    }

    /// Always evaluation mode: batch norm must use the stored statistics.
    @discardableResult
    public override func train(_ mode: Bool = true) -> Self { super.train(false) }

    /// pool3 features, N×2048, of N×3×H×W images in [-1, 1].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.size(1) == 3, "FIDInceptionV3: expected N×3×H×W images, got \(x.shape)")
        let s = Self.inputSize
        var h = Functional.interpolate(x, size: (s, s), mode: .bilinear, alignCorners: false)
        h = Conv2d_2b_3x3(Conv2d_2a_3x3(Conv2d_1a_3x3(h)))
        h = Functional.maxPool2d(h, kernel: (3, 3), stride: (2, 2))
        h = Conv2d_4a_3x3(Conv2d_3b_1x1(h))
        h = Functional.maxPool2d(h, kernel: (3, 3), stride: (2, 2))
        for block in [Mixed_5b, Mixed_5c, Mixed_5d, Mixed_6a, Mixed_6b, Mixed_6c, Mixed_6d, Mixed_6e,
                      Mixed_7a, Mixed_7b, Mixed_7c] as [any Layer] {
            h = block(h)
        }
        return Functional.adaptiveAvgPool2d(h, (1, 1)).flatten(startDim: 1)
    }
}
