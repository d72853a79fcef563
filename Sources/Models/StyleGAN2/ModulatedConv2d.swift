import NN
import Torch

/// How a modulated convolution is computed. Both give the same result; their speed differs by shape and device.
public enum ModulationStrategy: String, CaseIterable, Sendable {
    /// Per-sample weights (style-scaled, demodulated) run as one grouped convolution (the reference's fused path).
    case groupedConv = "grouped"
    /// One shared weight; the style scales the input and demodulation scales the output (no per-sample weights).
    case activationScaling = "scaled"
}

/// StyleGAN2's style-modulated convolution with weight demodulation, optional 2× upsampling (transposed conv +
/// blur) or downsampling (blur + strided conv), exactly as rosinality's `ModulatedConv2d`.
public final class ModulatedConv2d: Module {
    public let weight: Tensor
    public let modulation: EqualLinear
    public let blur: Blur?
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let demodulate: Bool
    public let upsample: Bool
    public let downsample: Bool
    public let scale: Double
    public var strategy: ModulationStrategy = .groupedConv
    let eps = 1e-8

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, styleDim: Int, demodulate: Bool = true,
                upsample: Bool = false, downsample: Bool = false, blurTaps: [Float] = [1, 3, 3, 1]) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.demodulate = demodulate
        self.upsample = upsample
        self.downsample = downsample
        let factor = 2
        if upsample {
            let p = (blurTaps.count - factor) - (kernelSize - 1)
            blur = Blur(taps: blurTaps, pad: ((p + 1) / 2 + factor - 1, p / 2 + 1), upsampleFactor: factor)
        } else if downsample {
            let p = (blurTaps.count - factor) + (kernelSize - 1)
            blur = Blur(taps: blurTaps, pad: ((p + 1) / 2, p / 2))
        } else {
            blur = nil
        }
        scale = 1 / Double(inChannels * kernelSize * kernelSize).squareRoot()
        weight = Tensor.randn([1, outChannels, inChannels, kernelSize, kernelSize])
        modulation = EqualLinear(styleDim, inChannels, biasInit: 1)
        super.init()
        registerParameter("weight", weight)
        registerModule("modulation", modulation)
        if let blur { registerModule("blur", blur) }
    }

    var padding: Int { kernelSize / 2 }

    public func callAsFunction(_ x: Tensor, style: Tensor) -> Tensor {
        switch strategy {
        case .groupedConv: return grouped(x, style: style)
        case .activationScaling: return scaled(x, style: style)
        }
    }

    /// Per-sample weights, one grouped convolution over the batch.
    func grouped(_ x: Tensor, style: Tensor) -> Tensor {
        let s = x.shape
        let (batch, h, w) = (s[0], s[2], s[3])
        let styles = modulation(style).view([batch, 1, inChannels, 1, 1])
        var wt = weight * scale * styles
        if demodulate {
            let demod = (wt.square().sum(dims: [2, 3, 4]) + eps).rsqrt()
            wt = wt * demod.view([batch, outChannels, 1, 1, 1])
        }
        let k = kernelSize
        if upsample {
            let input = x.reshape([1, batch * inChannels, h, w])
            let wT = wt.view([batch, outChannels, inChannels, k, k]).transpose(1, 2)
                .reshape([batch * inChannels, outChannels, k, k])
            let out = k == 3 ? PhaseTransposedConv.apply(input, weight: wT, groups: batch)
                : Functional.convTranspose2d(input, weight: wT, stride: (2, 2), groups: batch)
            return blur!(out.view([batch, outChannels, out.size(2), out.size(3)]))
        }
        var input = x
        var stride = 1, pad = padding
        if downsample {
            input = blur!(x)
            stride = 2
            pad = 0
        }
        let out = Functional.conv2d(input.reshape([1, batch * inChannels, input.size(2), input.size(3)]),
                                    weight: wt.view([batch * outChannels, inChannels, k, k]),
                                    stride: (stride, stride), padding: (pad, pad), groups: batch)
        return out.view([batch, outChannels, out.size(2), out.size(3)])
    }

    /// Shared weights; modulation on the input, demodulation on the output.
    func scaled(_ x: Tensor, style: Tensor) -> Tensor {
        let batch = x.size(0)
        let wt = weight.squeeze(dim: 0) * scale
        let styles = modulation(style)
        var out: Tensor
        let input = x * styles.reshape([batch, inChannels, 1, 1])
        if upsample {
            out = blur!(kernelSize == 3 ? PhaseTransposedConv.apply(input, weight: wt.transpose(0, 1))
                        : Functional.convTranspose2d(input, weight: wt.transpose(0, 1), stride: (2, 2)))
        } else if downsample {
            out = Functional.conv2d(blur!(input), weight: wt, stride: (2, 2))
        } else {
            out = Functional.conv2d(input, weight: wt, padding: (padding, padding))
        }
        if demodulate {
            let w = wt.unsqueeze(dim: 0) * styles.view([batch, 1, inChannels, 1, 1])
            let dcoefs = (w.square().sum(dims: [2, 3, 4]) + eps).rsqrt()
            out = out * dcoefs.view([batch, outChannels, 1, 1])
        }
        return out
    }
}
