import NN
import Torch

/// Adds per-pixel noise scaled by a learned strength (`weight`, one scalar).
public final class NoiseInjection: Module {
    public let weight: Tensor

    public override init() {
        weight = Tensor.zeros([1])
        super.init()
        registerParameter("weight", weight)
    }

    /// `noise` nil draws fresh N(0,1) noise from the seeded generator.
    public func callAsFunction(_ image: Tensor, noise: Tensor?) -> Tensor {
        let s = image.shape
        let n = noise ?? Tensor.randn([s[0], 1, s[2], s[3]], dtype: image.dtype, device: image.device)
        return image + weight * n
    }
}

/// The fused leaky ReLU with its own bias (`activate.bias`).
public final class FusedLeakyReLU: Module, Layer {
    public let bias: Tensor?
    /// NVIDIA's `conv_clamp`: activations are clamped to ±clamp after the activation (nil: none).
    public var clamp: Double?

    public init(channels: Int, bias: Bool = true) {
        self.bias = bias ? Tensor.zeros([channels]) : nil
        super.init()
        if let b = self.bias { registerParameter("bias", b) }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let out = fusedLeakyReLU(x, bias: bias)
        if let clamp { return out.clamp(min: -clamp, max: clamp) }
        return out
    }
}

/// Modulated conv → noise → biased leaky ReLU: one synthesis layer.
public final class StyledConv: Module {
    public let conv: ModulatedConv2d
    public let noise: NoiseInjection
    public let activate: FusedLeakyReLU

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, styleDim: Int, upsample: Bool = false,
                blurTaps: [Float] = [1, 3, 3, 1], demodulate: Bool = true) {
        conv = ModulatedConv2d(inChannels, outChannels, kernelSize: kernelSize, styleDim: styleDim,
                               demodulate: demodulate, upsample: upsample, blurTaps: blurTaps)
        noise = NoiseInjection()
        activate = FusedLeakyReLU(channels: outChannels)
        super.init()
        registerModule("conv", conv)
        registerModule("noise", noise)
        registerModule("activate", activate)
    }

    public func callAsFunction(_ x: Tensor, style: Tensor, noise n: Tensor?) -> Tensor {
        let y = conv(x, style: style)
        guard !Autograd.isGradEnabled, activate.clamp == nil else { return activate(noise(y, noise: n)) }
        // Without autograd the conv output is ours alone: add the noise and the bias in place. At high resolution
        // each avoided allocation is a full pass over fresh memory (page faults included); same values as above.
        let s = y.shape
        let fresh = n ?? Tensor.randn([s[0], 1, s[2], s[3]], dtype: y.dtype, device: y.device)
        y.add_(fresh * noise.weight)
        if let bias = activate.bias { y.add_(bias.reshape([1, bias.size(0), 1, 1])) }
        let out = y.leakyReLU(0.2)
        out.mul_(2.0.squareRoot())
        return out
    }
}

/// The learned 4×4 constant the synthesis starts from (`input.input`).
public final class ConstantInput: Module {
    public let input: Tensor

    public init(channels: Int, size: Int = 4) {
        input = Tensor.randn([1, channels, size, size])
        super.init()
        registerParameter("input", input)
    }

    public func callAsFunction(batch: Int) -> Tensor { input.repeat([batch, 1, 1, 1]) }
}

/// A 1×1 modulated conv to RGB (no demodulation) plus bias, added to the upsampled RGB of the previous block.
public final class ToRGB: Module {
    public let upsample: Upsample?
    public let conv: ModulatedConv2d
    public let bias: Tensor
    /// NVIDIA's `conv_clamp` on the RGB output (nil: none).
    public var clamp: Double?

    public init(_ inChannels: Int, styleDim: Int, upsample: Bool = true, blurTaps: [Float] = [1, 3, 3, 1]) {
        self.upsample = upsample ? Upsample(taps: blurTaps) : nil
        conv = ModulatedConv2d(inChannels, 3, kernelSize: 1, styleDim: styleDim, demodulate: false)
        bias = Tensor.zeros([1, 3, 1, 1])
        super.init()
        if let u = self.upsample { registerModule("upsample", u) }
        registerModule("conv", conv)
        registerParameter("bias", bias)
    }

    public func callAsFunction(_ x: Tensor, style: Tensor, skip: Tensor?) -> Tensor {
        var out = conv(x, style: style) + bias
        if let clamp { out = out.clamp(min: -clamp, max: clamp) }
        if let skip, let upsample { out = out + upsample(skip) }
        return out
    }
}
