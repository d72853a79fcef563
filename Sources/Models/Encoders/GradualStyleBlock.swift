import NN
import Torch

/// pSp's map2style block (`GradualStyleBlock(in_c, out_c, spatial)`): stride-2 3×3 convs with LeakyReLU(0.01) until
/// the `spatial`×`spatial` feature is 1×1 (log2(spatial) convs, at least one), then an equalised linear layer
/// (lr_mul 1). Keys `convs.0.weight`, `convs.2.weight`, … (the activations take the odd indices) and `linear.*`.
///
/// `hiddenChannels` is the convs' width; the references use `out_c` (the style dim). A narrower block is our option
/// for small domains with a wide style dim: the blocks hold nearly all of an encoder's weights, 9·width² per conv.
public final class GradualStyleBlock: Module, Layer {
    public let outChannels: Int
    public let spatial: Int
    public let convs: Sequential
    public let linear: EqualLinear

    public let hiddenChannels: Int

    public init(inChannels: Int, hiddenChannels: Int? = nil, outChannels: Int, spatial: Int) {
        precondition(spatial >= 1 && spatial & (spatial - 1) == 0, "GradualStyleBlock: spatial \(spatial) is not a power of two")
        let hidden = hiddenChannels ?? outChannels
        self.outChannels = outChannels
        self.hiddenChannels = hidden
        self.spatial = spatial
        var layers: [any Layer] = [Conv2d(inChannels, hidden, kernelSize: 3, stride: 2, padding: 1), LeakyReLU()]
        for _ in 0..<(GradualStyleBlock.convCount(spatial: spatial) - 1) {
            layers += [Conv2d(hidden, hidden, kernelSize: 3, stride: 2, padding: 1), LeakyReLU()]
        }
        convs = Sequential(layers)
        linear = EqualLinear(hidden, outChannels, lrMultiplier: 1)
        super.init()
        registerModule("convs", convs)
        registerModule("linear", linear)
    }

    /// int(log2(spatial)) convs, but never fewer than the first one.
    public static func convCount(spatial: Int) -> Int {
        Swift.max(1, spatial.trailingZeroBitCount)
    }

    /// N×in×spatial×spatial → N×out.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let h = convs(x)
        precondition(h.size(2) == 1 && h.size(3) == 1,
                     "GradualStyleBlock: expected \(spatial)×\(spatial) input, got \(x.shape)")
        return linear(h.reshape([h.size(0), hiddenChannels]))
    }
}
