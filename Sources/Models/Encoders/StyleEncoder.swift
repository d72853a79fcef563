import NN
import Torch

/// The multi-scale features an encoder computes on the way to its codes, named as in pSp/e4e: the body's outputs
/// c1 (stage 64²/128ch for IR-SE50 at 256² input), c2 (32²/256), c3 (16²/512), and the FPN maps p2 (32²/512) and
/// p1 (64²/512). GradStyle's Encoding Phase reads T_m from here.
public struct FeaturePyramid {
    public var c1: Tensor
    public var c2: Tensor
    public var c3: Tensor
    public var p2: Tensor
    public var p1: Tensor

    public init(c1: Tensor, c2: Tensor, c3: Tensor, p2: Tensor, p1: Tensor) {
        self.c1 = c1
        self.c2 = c2
        self.c3 = c3
        self.p2 = p2
        self.p1 = p1
    }

    /// The feature GradStyle uses at a spatial resolution: c3 at the coarsest stage, then p2, then p1.
    public func feature(atResolution r: Int) -> Tensor? {
        for t in [c3, p2, p1] where t.size(2) == r { return t }
        return nil
    }
}

/// What an encoder returns: W+ codes relative to the generator's mean latent (add `latentAverage` when the encoder
/// was trained with start_from_latent_avg, as pSp/e4e do) and the feature pyramid.
public struct EncoderOutput {
    /// N × n_latent × 512.
    public var codes: Tensor
    public var pyramid: FeaturePyramid

    public init(codes: Tensor, pyramid: FeaturePyramid) {
        self.codes = codes
        self.pyramid = pyramid
    }
}

/// An image encoder into a StyleGAN2's W+ space (pSp GradualStyleEncoder, e4e Encoder4Editing).
public protocol StyleEncoder: Module {
    /// Input images N×3×H×W in [-1, 1] at the encoder's input size.
    func encode(_ x: Tensor) -> EncoderOutput
    /// The number of W+ entries it predicts.
    var latentCount: Int { get }
    /// The spatial input size it expects (256 for the official models).
    var inputSize: Int { get }
}

extension StyleEncoder {
    /// The W+ code w = E(x) + w_avg and the pyramid it came from: the one place the mean latent is added to the
    /// encoder's codes (pSp/e4e `start_from_latent_avg`). `meanLatent` is D or n_latent × D; nil: the codes are
    /// absolute.
    public func latents(_ x: Tensor, meanLatent: Tensor?) -> (latent: Tensor, pyramid: FeaturePyramid) {
        let out = encode(x)
        guard let avg = meanLatent else { return (out.codes, out.pyramid) }
        let w = out.codes
        return (w + (avg.count == w.size(2) ? avg.reshape([1, 1, w.size(2)]) : avg.reshape([1, w.size(1), w.size(2)])), out.pyramid)
    }
}
