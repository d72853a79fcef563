import Foundation
import ImageIO
import Models
import NN
import TensorIO
import Torch

/// Options of `gradstyle train stylegan2`, with the defaults of the reference configuration (rosinality's train.py,
/// which follows the official StyleGAN2 config-f).
public struct StyleGAN2TrainingOptions: Codable, Equatable {
    public var batch = 16
    public var learningRate = 0.002
    /// R1 weight γ and how often it is applied (lazy regularisation).
    public var r1 = 10.0
    public var dRegEvery = 16
    /// Path-length weight (0 turns it off) and how often it is applied.
    public var pathRegularize = 2.0
    public var gRegEvery = 4
    public var pathBatchShrink = 2
    /// Probability of style mixing per batch.
    public var mixing = 0.9
    /// Half-life of the generator EMA in thousands of images.
    public var emaKimg = 10.0
    /// Random horizontal flips of the real images.
    public var xflip = true
    public var sampleEvery = 500
    public var checkpointEvery = 500
    public var sampleCount = 16
    /// How modulated convs run while training ("scaled" avoids grouped-conv backward, slow on CPUs; "grouped").
    public var modulation = ModulationStrategy.activationScaling.rawValue

    public init() {}

    /// The EMA decay per step for this batch size: the average's half-life is `emaKimg` thousand images.
    public var emaDecay: Double { emaKimg > 0 ? Foundation.pow(0.5, Double(batch) / (emaKimg * 1000)) : 0 }

    /// Names the first invalid option (NaN fails every check).
    public func validate() throws {
        let checks: [(Bool, String)] = [
            (batch >= 1, "batch \(batch) must be at least 1"),
            (learningRate > 0 && learningRate.isFinite, "learning rate \(learningRate) must be finite and positive"),
            (r1 >= 0 && r1.isFinite, "R1 weight \(r1) must be finite and ≥ 0"),
            (dRegEvery >= 1 && gRegEvery >= 1, "regularisation intervals must be at least 1"),
            (pathRegularize >= 0 && pathRegularize.isFinite, "path-length weight \(pathRegularize) must be finite and ≥ 0"),
            (pathBatchShrink >= 1, "path batch shrink \(pathBatchShrink) must be at least 1"),
            ((0...1).contains(mixing), "mixing probability \(mixing) must be in [0, 1]"),
            (emaKimg >= 0 && emaKimg.isFinite, "EMA half-life \(emaKimg) kimg must be finite and ≥ 0"),
            (sampleEvery >= 1 && checkpointEvery >= 1, "sample and checkpoint intervals must be at least 1"),
            (sampleCount >= 1, "sample count \(sampleCount) must be at least 1"),
            (ModulationStrategy(rawValue: modulation) != nil, "unknown modulation '\(modulation)'"),
        ]
        if let failed = checks.first(where: { !$0.0 }) {
            throw ModelError("invalid StyleGAN2 training options: \(failed.1)")
        }
    }
}

/// One training step of a StyleGAN2 generator and discriminator (`TrainingLoop` runs it): non-saturating logistic
/// loss, lazy R1 (double backward), optional path-length regularisation, style mixing, generator EMA, Adam with the
/// lazy-regularisation corrections of the reference, x-flips. Checkpoints hold everything needed for an exact
/// resume; each one publishes `generator.safetensors`, the EMA generator for `generate` and inversion.
public final class StyleGAN2Trainer: TrainingStep {
    public static let checkpointKind = "gradstyle.train.stylegan2"
    public static let checkpointDescription = "a StyleGAN2 training checkpoint"
    public static let generatorName = "generator.safetensors"
    public let label = "train stylegan2"

    public let options: StyleGAN2TrainingOptions
    public let generator: Generator
    public let discriminator: Discriminator
    public let generatorEMA: Generator
    let gOptim: Adam
    let dOptim: Adam
    let data: BatchSource
    public let device: Device
    public private(set) var step = 0
    public private(set) var meanPathLength = 0.0
    /// Fixed latents for sample grids (so progress is comparable across checkpoints).
    public private(set) var sampleZ: Tensor
    public var quiet = false

    public struct StepLosses {
        public var d = 0.0, g = 0.0, r1: Double? = nil, pathLength: Double? = nil
        public var realScore = 0.0, fakeScore = 0.0
    }
    public private(set) var history: [StepLosses] = []

    /// `stddevGroup`: the discriminator's minibatch-stddev group size (computed within each process's rows).
    public init(generator gConfig: GeneratorConfig, data: BatchSource, options: StyleGAN2TrainingOptions,
                stddevGroup: Int = 4, device: Device = .cpu) throws {
        try options.validate()
        try gConfig.validate()
        guard stddevGroup >= 1 else { throw ModelError("the minibatch-stddev group \(stddevGroup) must be at least 1") }
        guard data.resolution == gConfig.size else {
            throw ModelError("data resolution \(data.resolution) does not match the generator size \(gConfig.size)")
        }
        self.options = options
        self.data = data
        self.device = device
        generator = Generator(gConfig).to(device: device)
        var dConfig = DiscriminatorConfig(matching: gConfig)
        dConfig.stddevGroup = stddevGroup
        discriminator = Discriminator(dConfig).to(device: device)
        generatorEMA = Generator(gConfig).to(device: device)
        _ = try EMA(generatorEMA, source: generator)
        generator.modulationStrategy = ModulationStrategy(rawValue: options.modulation)!
        // Lazy regularisation changes the effective step; the reference rescales lr and betas accordingly.
        let gRatio = Double(options.gRegEvery) / Double(options.gRegEvery + 1)
        let dRatio = Double(options.dRegEvery) / Double(options.dRegEvery + 1)
        gOptim = Adam(generator.parameters(), learningRate: options.learningRate * gRatio,
                      betas: (0, Foundation.pow(0.99, gRatio)))
        dOptim = Adam(discriminator.parameters(), learningRate: options.learningRate * dRatio,
                      betas: (0, Foundation.pow(0.99, dRatio)))
        sampleZ = Tensor.randn([options.sampleCount, gConfig.styleDim], device: device)
    }

    public var cadence: TrainingCadence {
        TrainingCadence(batch: options.batch, sampleEvery: options.sampleEvery, checkpointEvery: options.checkpointEvery)
    }

    /// The random inputs of a batch's W+ codes: z (and a second z with a crossover when styles mix).
    struct StyleDraw {
        var z: Tensor
        var mix: (z: Tensor, crossover: Int)?
    }

    /// Draws the style inputs of `count` rows, with style mixing at a random crossover with probability `mixing`,
    /// on the CPU generator (the same draws on every device).
    func drawStyles(_ count: Int) -> StyleDraw {
        let sd = generator.styleDim
        if options.mixing > 0, Tensor.rand([1]).item() < options.mixing {
            let z1 = Tensor.randn([count, sd]), z2 = Tensor.randn([count, sd])
            return StyleDraw(z: z1, mix: (z2, Int(Tensor.randint(1, generator.latentCount, [1]).item())))
        }
        return StyleDraw(z: Tensor.randn([count, sd]))
    }

    /// This process's rows of the style inputs drawn for a global batch of `count` (mapping is per row, so its W+
    /// rows equal those of one process with the global batch).
    func drawLocalStyles(_ count: Int, parallel: DataParallelism) -> StyleDraw {
        var d = drawStyles(count)
        guard parallel.worldSize > 1 else { return d }
        let rows = parallel.localRange(count: count)
        d.z = d.z.slice(rows)
        d.mix = d.mix.map { ($0.z.slice(rows), $0.crossover) }
        return d
    }

    /// The W+ codes of drawn style inputs.
    func latents(_ d: StyleDraw) -> Tensor {
        let g = generator
        let w1 = g.mapping(d.z.to(device: device))
        guard let mix = d.mix else { return g.broadcastLatent(w1) }
        return g.mixLatents(w1, g.mapping(mix.z.to(device: device)), crossover: mix.crossover)
    }

    public func nextBatch() throws -> Tensor { try data.nextBatch(options.batch) }

    /// The real images on the training device, randomly mirrored. The flips are drawn for the global batch and
    /// this process keeps its rows, so a data-parallel step mirrors what one process with the global batch would.
    func realImages(_ batch: Tensor, parallel: DataParallelism) -> Tensor {
        var x = batch.to(.float32, device: device)
        if options.xflip {
            let flip = Tensor.rand([options.batch, 1, 1, 1]).slice(parallel.localRange(count: options.batch))
            x = x.flip([3]).where(flip.lt(0.5).to(device: device), x)
        }
        return x
    }

    /// One iteration: a D step (+ lazy R1), a G step (+ lazy path length), the EMA update. In a data-parallel run
    /// `batch` is this process's slice of the global batch (`options.batch`); latents and flips are drawn for the
    /// global batch and sliced, synthesis and path-length noise are drawn for the slice (see docs/DISTRIBUTED.md).
    public func train(on batch: Tensor, parallel: DataParallelism) throws -> StepLosses {
        var losses = StepLosses()
        // Everything drawn for the global batch comes first, from the shared stream (the same on every rank).
        let real = realImages(batch, parallel: parallel)
        let batch = options.batch
        let regularizesD = options.r1 > 0 && step % options.dRegEvery == 0
        let regularizesG = options.pathRegularize > 0 && step % options.gRegEvery == 0
        let dStyles = drawLocalStyles(batch, parallel: parallel), gStyles = drawLocalStyles(batch, parallel: parallel)
        // Every rank takes at least one row of the path batch.
        let pathBatch = Swift.max(parallel.worldSize, batch / options.pathBatchShrink)
        let pathStyles = regularizesG ? drawLocalStyles(pathBatch, parallel: parallel) : nil
        // Then the draws sized by this rank's rows (synthesis noise, the path-length projection) run on a stream
        // seeded per step and rank, and the shared stream continues where it was: its position never depends on
        // the slice sizes, so every later global draw stays the one of a single process.
        let noiseSeed = UInt64(Tensor.randint(0, 1 << 62, [1]).item())
        let shared = Torch.cpuRNGState
        Torch.manualSeed(RankRandomStreams.rankSeed(seed: noiseSeed, rank: parallel.rank))
        defer { Torch.cpuRNGState = shared }

        // Discriminator.
        generator.setRequiresGrad(false)
        discriminator.setRequiresGrad(true)
        let fake = withNoGrad { generator.synthesis(latents(dStyles), noise: .random) }
        let fakePred = discriminator(fake)
        let realPred = discriminator(real)
        let dLoss = StyleGAN2Losses.discriminator(real: realPred, fake: fakePred)
        discriminator.zeroGrad()
        dLoss.backward()
        try parallel.step(dOptim)
        losses.d = dLoss.item()
        losses.realScore = realPred.mean().item()
        losses.fakeScore = fakePred.mean().item()

        if regularizesD {
            let r = real.detach().requiresGrad(true)
            let pred = discriminator(r)
            let r1 = StyleGAN2Losses.r1Penalty(realPrediction: pred, realImages: r)
            discriminator.zeroGrad()
            (r1 * (options.r1 / 2 * Double(options.dRegEvery)) + pred.flatten()[0] * 0).backward()
            try parallel.step(dOptim)
            losses.r1 = r1.item()
        }

        // Generator.
        generator.setRequiresGrad(true)
        discriminator.setRequiresGrad(false)
        let gFake = generator.synthesis(latents(gStyles), noise: .random)
        let gLoss = StyleGAN2Losses.generator(fake: discriminator(gFake))
        generator.zeroGrad()
        gLoss.backward()
        try parallel.step(gOptim)
        losses.g = gLoss.item()

        if let pathStyles {
            let lat = latents(pathStyles)
            let img = generator.synthesis(lat, noise: .random)
            let pl = try StyleGAN2Losses.pathLength(fake: img, latents: lat, meanPathLength: meanPathLength) { mean in
                let t = Tensor([mean])
                try parallel.averageValues([t])
                return t.item()
            }
            meanPathLength = pl.newMean
            generator.zeroGrad()
            (pl.penalty * (options.pathRegularize * Double(options.gRegEvery)) + img.flatten()[0] * 0).backward()
            try parallel.step(gOptim)
            losses.pathLength = pl.pathMean
        }

        EMA.accumulate(into: generatorEMA, from: generator, decay: options.emaDecay)
        step += 1
        history.append(losses)
        return losses
    }

    public func lossTerms(_ l: StepLosses) -> [String: Double] {
        ["d": l.d, "g": l.g, "r1": l.r1 ?? 0, "path_length": l.pathLength ?? 0]
    }

    public func status(_ l: StepLosses) -> String {
        var status = String(format: "d %.3f g %.3f D(real) %.2f D(fake) %.2f", l.d, l.g, l.realScore, l.fakeScore)
        if let r1 = l.r1 { status += String(format: " r1 %.3f", r1) }
        if let pl = l.pathLength { status += String(format: " pl %.3f", pl) }
        return status
    }

    public var replicatedTensors: [Tensor] {
        generator.replicatedTensors + discriminator.replicatedTensors + generatorEMA.replicatedTensors
    }

    // MARK: - Checkpoints

    public func store(in c: inout TrainingCheckpoint) throws {
        c.store(generator, as: "g")
        c.store(discriminator, as: "d")
        c.store(generatorEMA, as: "g_ema")
        c.store(gOptim, as: "g_optim")
        c.store(dOptim, as: "d_optim")
        c.store(position: data.resumePosition, as: "data")
        c.tensors["sample_z"] = sampleZ
        c.metadata["mean_path_length"] = String(meanPathLength)
        c.metadata[GeneratorCheckpoint.configKey] = try StableJSON.string(generator.config)
    }

    public func restore(from c: TrainingCheckpoint, step: Int) throws {
        if let json = c.metadata[GeneratorCheckpoint.configKey] {
            let stored = try JSONDecoder().decode(GeneratorConfig.self, from: Data(json.utf8))
            guard stored == generator.config else {
                throw ModelError("the checkpoint's generator (\(stored.size)², \(stored.channels)) differs from the requested one")
            }
        }
        try c.restore(generator, from: "g")
        try c.restore(discriminator, from: "d")
        try c.restore(generatorEMA, from: "g_ema")
        try c.restore(gOptim, from: "g_optim")
        try c.restore(dOptim, from: "d_optim")
        try data.restore(resumePosition: c.position("data"))
        if let z = c.tensors["sample_z"] { sampleZ = z.to(device: device) }
        self.step = step
        meanPathLength = Double(c.metadata["mean_path_length"] ?? "") ?? 0
        // This run's options apply from here on (the learning rates too, which the optimiser states carry).
        gOptim.learningRate = options.learningRate * Double(options.gRegEvery) / Double(options.gRegEvery + 1)
        dOptim.learningRate = options.learningRate * Double(options.dRegEvery) / Double(options.dRegEvery + 1)
    }

    /// A grid of EMA samples for the fixed latents.
    public func sampleGrid() throws -> RasterImage {
        let images = withInferenceMode {
            generatorEMA.synthesis(generatorEMA.broadcastLatent(generatorEMA.mapping(sampleZ)), noise: .const)
        }
        let tiles = try ImageTensors.rasterImages(images)
        return try ImageGrid.mosaic(tiles, columns: Int(Double(tiles.count).squareRoot().rounded(.up)))
    }

    public func sample() throws -> RasterImage? { try sampleGrid() }

    /// The EMA generator, for `generate` and inversion, with its truncation centre.
    public func export(to outDirectory: URL) throws {
        // Drawing the truncation centre must not disturb the training RNG.
        let rng = Torch.cpuRNGState
        generatorEMA.latentAverage = generatorEMA.meanLatent(count: 4096)
        Torch.cpuRNGState = rng
        try GeneratorCheckpoint.save(generatorEMA, to: outDirectory.appendingPathComponent(StyleGAN2Trainer.generatorName),
                                     extraMetadata: ["gradstyle.trained_steps": String(step)])
    }
}
