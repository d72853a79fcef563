import Foundation
import NN
import Torch

/// The trunk network under LPIPS, named as the lpips package's `net=` argument.
public enum LPIPSNetwork: String, CaseIterable, Sendable {
    case alex, vgg
}

/// LPIPS v0.1, the learned perceptual distance of Zhang et al. (CVPR 2018) as the `lpips` package computes it:
/// both images are shifted and scaled (`ScalingLayer`), run through an ImageNet trunk (`AlexNetFeatures` or
/// `VGG16Features`), each tapped activation is unit-normalised over channels, the squared differences are weighted
/// per channel by a 1×1 head (`lin0` … `lin4`), averaged over space, and the layers summed.
///
/// State-dict layout: `scaling_layer.shift|scale`, `net.features.N.weight|bias` (torchvision's numbering under the
/// lpips model's `net`), `linK.model.1.weight`. `LPIPS.load` reads the users' files (see LPIPSWeights.swift).
///
/// Constructed directly, the weights are random (PyTorch's default initialisation for the trunk; heads set to
/// 1/channels, i.e. the channel mean, so the distance stays non-negative): that serves tests and the synthetic
/// domain, and `hasPretrainedWeights` says so — distances from random weights are not comparable to published
/// LPIPS numbers. The model always stays in evaluation mode with frozen parameters (it is a fixed metric or loss;
/// gradients still flow to the inputs).
public final class LPIPS: Module {
    public let network: LPIPSNetwork
    public let scalingLayer: ScalingLayer
    public let net: any LPIPSTrunk
    /// The heads `lin0` … `lin4`, one per tapped layer.
    public let lins: [NetLinLayer]
    /// Where the weights came from: empty for random weights, else the files `LPIPS.load` read.
    public internal(set) var weightFiles: [URL] = []

    /// True once pretrained trunk and heads were loaded from files.
    public var hasPretrainedWeights: Bool { !weightFiles.isEmpty }

    public init(network: LPIPSNetwork = .alex) {
        self.network = network
        scalingLayer = ScalingLayer()
        switch network {
        case .alex: net = AlexNetFeatures()
        case .vgg: net = VGG16Features()
        }
        lins = net.channels.map { NetLinLayer($0) }
        super.init()
        registerModule("scaling_layer", scalingLayer)
        registerModule("net", net)
        for (k, lin) in lins.enumerated() {
            withNoGrad { lin.conv.weight.fill_(1 / Double(lin.conv.inChannels)) }
            registerModule("lin\(k)", lin)
        }
        freeze()
        train(false)
    }

    /// Always evaluation mode: the heads' dropout must never act when LPIPS is used as a metric or a loss.
    @discardableResult
    public override func train(_ mode: Bool = true) -> Self { super.train(false) }

    /// The smallest image side the trunk accepts (31 for AlexNet, 16 for VGG16).
    public var minimumInputSide: Int { net.minimumInputSide }

    /// The distance between each pair of images: inputs N×3×H×W in [-1, 1] (same shape), result shape [N].
    public func callAsFunction(_ a: Tensor, _ b: Tensor) -> Tensor {
        let layers = layerDistances(a, b)
        return layers.dropFirst().reduce(layers[0], +)
    }

    /// Each layer's contribution (shape [N] each); their sum is the distance.
    public func layerDistances(_ a: Tensor, _ b: Tensor) -> [Tensor] {
        precondition(a.shape == b.shape && a.rank == 4 && a.size(1) == 3,
                     "LPIPS: expected two N×3×H×W images of the same shape, got \(a.shape) and \(b.shape)")
        let n = a.size(0)
        // One trunk pass over both inputs.
        let taps = net.taps(scalingLayer(Tensor.cat([a, b], dim: 0)))
        return zip(taps, lins).map { tap, lin in
            let fa = LPIPS.normalizeTensor(tap.narrow(dim: 0, start: 0, length: n))
            let fb = LPIPS.normalizeTensor(tap.narrow(dim: 0, start: n, length: n))
            return lin((fa - fb).square()).mean(dims: [1, 2, 3])
        }
    }

    /// Unit length over channels, as the lpips package's `normalize_tensor` (eps 1e-10 added to the norm).
    static func normalizeTensor(_ x: Tensor, eps: Double = 1e-10) -> Tensor {
        x / (x.square().sum(dim: 1, keepDim: true).sqrt() + eps)
    }
}
