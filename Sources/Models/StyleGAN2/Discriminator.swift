import Foundation
import NN
import Torch

/// Conv (optionally blur + stride-2 downsampling) with equalized lr and a fused leaky ReLU: rosinality's
/// `ConvLayer`, a Sequential whose children are numbered as in the reference ([Blur,] EqualConv2d[, activation]).
public final class ConvLayer: Module, Layer {
    let body: [any Layer]

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, downsample: Bool = false,
                blurTaps: [Float] = [1, 3, 3, 1], bias: Bool = true, activate: Bool = true) {
        var layers: [any Layer] = []
        var stride = 1
        var padding = kernelSize / 2
        if downsample {
            let p = (blurTaps.count - 2) + (kernelSize - 1)
            layers.append(Blur(taps: blurTaps, pad: ((p + 1) / 2, p / 2)))
            stride = 2
            padding = 0
        }
        layers.append(EqualConv2d(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                                  bias: bias && !activate))
        if activate { layers.append(FusedLeakyReLU(channels: outChannels, bias: bias)) }
        body = layers
        super.init()
        for (i, l) in layers.enumerated() { registerModule(String(i), l) }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { body.reduce(x) { $1($0) } }
}

/// Two convs (the second downsampling) plus a downsampling 1×1 skip, summed and scaled by 1/√2.
public final class ResBlock: Module, Layer {
    public let conv1: ConvLayer
    public let conv2: ConvLayer
    public let skip: ConvLayer

    public init(_ inChannels: Int, _ outChannels: Int, blurTaps: [Float] = [1, 3, 3, 1]) {
        conv1 = ConvLayer(inChannels, inChannels, kernelSize: 3, blurTaps: blurTaps)
        conv2 = ConvLayer(inChannels, outChannels, kernelSize: 3, downsample: true, blurTaps: blurTaps)
        skip = ConvLayer(inChannels, outChannels, kernelSize: 1, downsample: true, blurTaps: blurTaps, bias: false,
                         activate: false)
        super.init()
        registerModule("conv1", conv1)
        registerModule("conv2", conv2)
        registerModule("skip", skip)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        (conv2(conv1(x)) + skip(x)) / 2.0.squareRoot()
    }
}

/// The shape of a StyleGAN2 discriminator.
public struct DiscriminatorConfig: Codable, Equatable, Sendable {
    public var size: Int
    /// Channels at each resolution 4…size.
    public var channels: [Int: Int]
    public var stddevGroup: Int = 4
    public var stddevFeatures: Int = 1

    public init(size: Int, channelMultiplier: Int = 2) {
        self.size = size
        channels = GeneratorConfig.standardChannels(size: size, multiplier: channelMultiplier)
    }

    public init(size: Int, channels: [Int: Int]) {
        self.size = size
        self.channels = channels
    }

    /// Matches a generator's widths (the usual pairing when training a new domain).
    public init(matching g: GeneratorConfig) { self.init(size: g.size, channels: g.channels) }
}

/// The rosinality StyleGAN2 discriminator: residual blocks down to 4², minibatch standard deviation, conv, linear.
public final class Discriminator: Module {
    public let config: DiscriminatorConfig
    public let convs: Sequential
    public let finalConv: ConvLayer
    public let finalLinear: Sequential

    public init(_ config: DiscriminatorConfig) {
        self.config = config
        let ch = config.channels
        var layers: [any Layer] = [ConvLayer(3, ch[config.size]!, kernelSize: 1)]
        var inChannels = ch[config.size]!
        var r = config.size
        while r > 4 {
            let out = ch[r / 2]!
            layers.append(ResBlock(inChannels, out))
            inChannels = out
            r /= 2
        }
        convs = Sequential(layers)
        finalConv = ConvLayer(inChannels + 1, ch[4]!, kernelSize: 3)
        finalLinear = Sequential(EqualLinear(ch[4]! * 16, ch[4]!, activation: true), EqualLinear(ch[4]!, 1))
        super.init()
        registerModule("convs", convs)
        registerModule("final_conv", finalConv)
        registerModule("final_linear", finalLinear)
    }

    /// Realness logits, N×1. The batch must be divisible by min(N, stddevGroup).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        var out = convs(x)
        let s = out.shape
        let (batch, channel, height, width) = (s[0], s[1], s[2], s[3])
        let group = Swift.min(batch, config.stddevGroup)
        precondition(batch % group == 0, "Discriminator: batch \(batch) is not divisible by the stddev group \(group)")
        let f = config.stddevFeatures
        var stddev = out.view([group, batch / group, f, channel / f, height, width])
        stddev = (stddev.variance(dims: [0], unbiased: false) + 1e-8).sqrt()
        stddev = stddev.mean(dims: [2, 3, 4], keepDim: true).squeeze(dim: 2)
        stddev = stddev.repeat([group, 1, height, width])
        out = finalConv(Tensor.cat([out, stddev], dim: 1))
        return finalLinear(out.view([batch, -1]))
    }

    /// The shape from rosinality-named tensors (`convs.0.0.weight`, `convs.N.conv2.1.weight`, …).
    public static func inferConfig(_ t: [String: Tensor]) throws -> DiscriminatorConfig {
        guard let first = t["convs.0.0.weight"], first.rank == 4 else {
            throw ModelError("no 'convs.0.0.weight': this is not a StyleGAN2 discriminator")
        }
        var blocks = 0
        var widths = [first.size(0)]
        while let w = t["convs.\(blocks + 1).conv2.1.weight"] {
            widths.append(w.size(0))
            blocks += 1
        }
        let size = 4 << blocks
        var channels: [Int: Int] = [:]
        for (i, c) in widths.enumerated() { channels[size >> i] = c }
        return DiscriminatorConfig(size: size, channels: channels)
    }
}
