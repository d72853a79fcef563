import NN
import Torch

/// Where the synthesis noise comes from.
public enum NoiseMode: String, CaseIterable, Sendable {
    /// The generator's stored noise buffers (`noises.noise_i`): deterministic output.
    case const
    /// Fresh N(0,1) noise from the seeded generator.
    case random
    /// No noise.
    case none
}

/// A point inside a synthesis block where a feature map can be read and replaced.
public enum InjectPoint: String, CaseIterable, Sendable, Codable {
    /// After the block's first (upsampling) styled conv.
    case afterConv0 = "after_conv0"
    /// After the block's second styled conv.
    case afterConv1 = "after_conv1"
}

/// A per-stage transform of the synthesis features: given the resolution, the point and the feature there, return
/// the feature to continue with. GradStyle's streams fuse their residuals through it.
public typealias SynthesisHook = (_ resolution: Int, _ point: InjectPoint, _ feature: Tensor) -> Tensor

/// The StyleGAN2 generator in the rosinality/stylegan2-pytorch layout (module tree and parameter names), which
/// pSp, e4e, HFGI and StyleRes all build on.
public final class Generator: Module {
    public let config: GeneratorConfig
    public let style: Sequential
    public let input: ConstantInput
    public let conv1: StyledConv
    public let toRGB1: ToRGB
    public let convs: ModuleList<StyledConv>
    public let toRGBs: ModuleList<ToRGB>
    public let noises: Module
    /// The mean W (from the checkpoint's `latent_avg` / NVIDIA's `mapping.w_avg`), when known; not in the state dict.
    public var latentAverage: Tensor?

    public init(_ config: GeneratorConfig) {
        self.config = config
        let sd = config.styleDim
        var mapping: [any Layer] = [PixelNorm()]
        for _ in 0..<config.mappingLayers {
            mapping.append(EqualLinear(sd, sd, lrMultiplier: config.lrMapping, activation: true))
        }
        style = Sequential(mapping)
        let c4 = config.channels[4]!
        input = ConstantInput(channels: c4)
        conv1 = StyledConv(c4, c4, kernelSize: 3, styleDim: sd, blurTaps: config.blurTaps)
        toRGB1 = ToRGB(c4, styleDim: sd, upsample: false, blurTaps: config.blurTaps)
        convs = ModuleList()
        toRGBs = ModuleList()
        noises = Module()
        var inChannels = c4
        for r in config.resolutions.dropFirst() {
            let out = config.channels[r]!
            convs.append(StyledConv(inChannels, out, kernelSize: 3, styleDim: sd, upsample: true, blurTaps: config.blurTaps))
            convs.append(StyledConv(out, out, kernelSize: 3, styleDim: sd, blurTaps: config.blurTaps))
            toRGBs.append(ToRGB(out, styleDim: sd, blurTaps: config.blurTaps))
            inChannels = out
        }
        super.init()
        registerModule("style", style)
        registerModule("input", input)
        registerModule("conv1", conv1)
        registerModule("to_rgb1", toRGB1)
        registerModule("convs", convs)
        registerModule("upsamples", ModuleList<Module>())
        registerModule("to_rgbs", toRGBs)
        registerModule("noises", noises)
        for i in 0..<config.noiseCount {
            let r = 1 << ((i + 5) / 2)
            noises.registerBuffer("noise_\(i)", Tensor.randn([1, 1, r, r]))
        }
        if let clamp = config.convClamp { setConvClamp(clamp) }
    }

    public var latentCount: Int { config.latentCount }
    public var styleDim: Int { config.styleDim }
    public var size: Int { config.size }

    func setConvClamp(_ clamp: Double?) {
        for c in [conv1] + Array(convs) { c.activate.clamp = clamp }
        for t in [toRGB1] + Array(toRGBs) { t.clamp = clamp }
    }

    /// How every modulated conv is computed (same result, different speed).
    public var modulationStrategy: ModulationStrategy {
        get { conv1.conv.strategy }
        set {
            for c in [conv1] + Array(convs) { c.conv.strategy = newValue }
            for t in [toRGB1] + Array(toRGBs) { t.conv.strategy = newValue }
        }
    }

    /// The mapping network: z (N×styleDim) → w (N×styleDim).
    public func mapping(_ z: Tensor) -> Tensor { style(z) }

    /// The mean of `count` mapped random z: the truncation centre when the checkpoint has none.
    public func meanLatent(count: Int = 10_000, batch: Int = 1000) -> Tensor {
        withNoGrad {
            let device = input.input.device
            var sum = Tensor.zeros([1, styleDim], device: device)
            var done = 0
            while done < count {
                let n = Swift.min(batch, count - done)
                sum = sum + mapping(Tensor.randn([n, styleDim], device: device)).sum(dim: 0, keepDim: true)
                done += n
            }
            return sum / Double(count)
        }
    }

    /// Truncation towards `center` (default: `latentAverage`): w ← c + ψ (w − c). Works on N×D and N×L×D.
    public func truncate(_ w: Tensor, psi: Double, center: Tensor? = nil) -> Tensor {
        guard psi != 1, let c = center ?? latentAverage else { return w }
        // The centre is D (rosinality, NVIDIA) or n_latent × D (pSp/e4e latent_avg, whose rows are equal).
        let c2: Tensor
        if w.rank == 3 {
            c2 = c.count == styleDim ? c.reshape([1, 1, styleDim]) : c.reshape([1, latentCount, styleDim])
        } else {
            c2 = c.reshape([-1, styleDim]).narrow(dim: 0, start: 0, length: 1)
        }
        return c2 + (w - c2) * psi
    }

    /// Broadcasts N×D codes to N×L×D W+ codes.
    public func broadcastLatent(_ w: Tensor) -> Tensor {
        w.rank == 3 ? w : w.unsqueeze(dim: 1).repeat([1, latentCount, 1])
    }

    /// Style mixing: the first `crossover` layers from `w1`, the rest from `w2` (both N×D).
    public func mixLatents(_ w1: Tensor, _ w2: Tensor, crossover: Int) -> Tensor {
        let a = w1.unsqueeze(dim: 1).repeat([1, crossover, 1])
        let b = w2.unsqueeze(dim: 1).repeat([1, latentCount - crossover, 1])
        return Tensor.cat([a, b], dim: 1)
    }

    /// The noise inputs for a batch under `mode` (nil entries mean fresh random noise inside the layer).
    public func noiseInputs(_ mode: NoiseMode, like x: Tensor) -> [Tensor?] {
        (0..<config.noiseCount).map { i in
            switch mode {
            case .random: return nil
            case .const: return noises.buffer("noise_\(i)")!
            case .none:
                let r = 1 << ((i + 5) / 2)
                return Tensor.zeros([1, 1, r, r], dtype: x.dtype, device: x.device)
            }
        }
    }

    /// Synthesis from W+ codes (N × latentCount × styleDim) to images (N×3×size×size, about [-1, 1]).
    /// `hook` sees (and may replace) the feature after each styled conv, block by block, coarse to fine.
    public func synthesis(_ latent: Tensor, noise: NoiseMode = .const, hook: SynthesisHook? = nil) -> Tensor {
        precondition(latent.rank == 3 && latent.size(1) == latentCount && latent.size(2) == styleDim,
                     "Generator.synthesis: expected N×\(latentCount)×\(styleDim) latents, got \(latent.shape)")
        let batch = latent.size(0)
        let noiseList = noiseInputs(noise, like: latent)
        var out = input(batch: batch)
        out = conv1(out, style: latent.select(dim: 1, index: 0), noise: noiseList[0])
        // The 4² block has a single styled conv: both points are after it.
        if let hook {
            out = hook(4, .afterConv0, out)
            out = hook(4, .afterConv1, out)
        }
        var skip = toRGB1(out, style: latent.select(dim: 1, index: 1), skip: nil)
        var i = 1
        for (block, resolution) in config.resolutions.dropFirst().enumerated() {
            out = convs[2 * block](out, style: latent.select(dim: 1, index: i), noise: noiseList[i])
            if let hook { out = hook(resolution, .afterConv0, out) }
            out = convs[2 * block + 1](out, style: latent.select(dim: 1, index: i + 1), noise: noiseList[i + 1])
            if let hook { out = hook(resolution, .afterConv1, out) }
            skip = toRGBs[block](out, style: latent.select(dim: 1, index: i + 2), skip: skip)
            i += 2
        }
        return skip
    }

    /// z → image with optional truncation (towards `latentAverage` or `truncationCenter`).
    public func generate(z: Tensor, truncation: Double = 1, truncationCenter: Tensor? = nil,
                         noise: NoiseMode = .const) -> Tensor {
        let w = truncate(mapping(z), psi: truncation, center: truncationCenter)
        return synthesis(broadcastLatent(w), noise: noise)
    }
}
