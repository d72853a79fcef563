import Foundation
import ImageIO
import Models
import NN
import TensorIO
import Torch

/// Options of `gradstyle train gradstyle` (GRADSTYLE.md, self-supervised training), defaults as documented there.
public struct GradStyleTrainingOptions: Codable, Equatable {
    public var batch = 8
    public var learningRate = 1e-4
    /// "ranger" (default, as HFGI/e4e) or "adam".
    public var optimizer = "ranger"
    public var lambdaL2 = 1.0
    public var lambdaLPIPS = 0.8
    /// Identity loss weight (faces; 0 elsewhere).
    public var lambdaID = 0.1
    public var lambdaAlign = 0.1
    public var misalign: MisalignKind = .warp
    public var misalignStrength = 0.15
    /// Share of samples with no warp, a small warp (`misalignSmall`) and a full-strength warp, per batch sample.
    /// The Editing Stream must learn both "nothing moved" and "a little moved", not only large warps.
    /// nil = every sample warped at full strength (runs from before the option).
    public var misalignMix: MisalignMixture? = MisalignMixture()
    /// Whether the Editing Stream's losses also train the Gradual Residual Modules (through F_m, which the motion-gated
    /// Aligner passes on). false: they train only the Aligners (and the shared fusion); the GRMs learn from the
    /// reconstruction alone. nil = true (runs from before the option).
    public var editTrainsResiduals: Bool? = false
    /// Whether the Editing Stream's losses also train the shared Gate&Fusion. nil = true (runs from before the option).
    public var editTrainsFusion: Bool? = false
    public var sampleEvery = 500
    public var checkpointEvery = 500

    public init() {}

    public func validate() throws {
        guard batch >= 1, learningRate > 0, ["ranger", "adam"].contains(optimizer), lambdaL2 >= 0, lambdaLPIPS >= 0,
              lambdaID >= 0, lambdaAlign >= 0, misalignStrength >= 0, misalignStrength < 1, sampleEvery >= 1,
              checkpointEvery >= 1 else {
            throw ModelError("invalid GradStyle training options: \(self)")
        }
        try misalignMix?.validate()
    }

    /// The warp strength of each sample of a batch of `count` (draws from the seeded generator only when the mixture
    /// has more than one kind, so all-full-strength runs draw exactly as before).
    func misalignStrengths(count: Int) -> [Double] {
        guard let mix = misalignMix, mix.none > 0 || mix.small > 0 else { return Array(repeating: misalignStrength, count: count) }
        let total = mix.none + mix.small + mix.large
        return Tensor.rand([count], dtype: .float64).doubles().map { u in
            u * total < mix.none ? 0 : u * total < mix.none + mix.small ? mix.smallStrength : misalignStrength
        }
    }
}

/// Proportions of no warp, a small warp and a full-strength warp in self-supervised training.
public struct MisalignMixture: Codable, Equatable, Sendable {
    public var none = 0.25
    public var small = 0.25
    public var large = 0.5
    /// Strength of the small warps (the full strength is `misalignStrength`).
    public var smallStrength = 0.05

    public init() {}

    public init(none: Double, small: Double, large: Double, smallStrength: Double) {
        (self.none, self.small, self.large, self.smallStrength) = (none, small, large, smallStrength)
    }

    public func validate() throws {
        let parts = [none, small, large, smallStrength]
        guard parts.allSatisfy({ $0.isFinite && $0 >= 0 }), none + small + large > 0, smallStrength < 1 else {
            throw ModelError("misalignment mixture \(none):\(small):\(large) (small strength \(smallStrength)) must be finite, non-negative proportions with a positive sum")
        }
    }
}

/// The image losses and the networks behind them. LPIPS and identity are optional: without their weights the
/// corresponding terms are left out (and the trainer says so).
public struct ImageLosses {
    /// Perceptual distance, N-vector, inputs in [-1, 1] at the training resolution.
    public var perceptual: ((Tensor, Tensor) -> Tensor)?
    /// Identity loss 1 − cos(ArcFace(a), ArcFace(b)), N-vector.
    public var identity: ((Tensor, Tensor) -> Tensor)?

    public init(perceptual: ((Tensor, Tensor) -> Tensor)? = nil, identity: ((Tensor, Tensor) -> Tensor)? = nil) {
        self.perceptual = perceptual
        self.identity = identity
    }

    /// λ_l2·L2 + λ_lpips·LPIPS + λ_id·ID, and the parts for logging.
    func callAsFunction(_ y: Tensor, _ x: Tensor, _ o: GradStyleTrainingOptions) -> (Tensor, [String: Double]) {
        let l2 = (y - x).square().mean()
        var total = l2 * o.lambdaL2
        var parts = ["l2": l2.item()]
        if let perceptual, o.lambdaLPIPS > 0 {
            let p = perceptual(y, x).mean()
            total = total + p * o.lambdaLPIPS
            parts["lpips"] = p.item()
        }
        if let identity, o.lambdaID > 0 {
            let i = identity(y, x).mean()
            total = total + i * o.lambdaID
            parts["id"] = i.item()
        }
        return (total, parts)
    }
}

/// Self-supervised training of both streams (GRADSTYLE.md): reconstruction losses on ŷ_rec; a random warp of the
/// input plays the edit (its own code is the edited code, its image the ground truth), the Editing Stream aligns the
/// unwarped residuals to it and is trained on the warped image, and the aligner loss pulls each aligned residual to
/// the residual the Reconstruction Stream computes for the warped image (detached). One optimiser for both streams.
/// One step of it is a `TrainingStep`; `TrainingLoop` runs it.
public final class GradStyleTrainer: TrainingStep {
    public static let checkpointKind = "gradstyle.train.gradstyle"
    public static let checkpointDescription = "a GradStyle training checkpoint"
    public static let bundleName = "model.safetensors"
    public let label = "train gradstyle"

    /// What each checkpoint publishes as `model.safetensors`: the inversion model, the trained network under
    /// `name`, and every other network of another bundle on the same inversion model (GradStyle's and HFGI's, with
    /// their metadata, as `gradstyle bundle merge` carries them).
    public struct PublishedBundle {
        public var inversion: InversionModel
        public var name: String
        /// The other bundle's contents and its path (for errors).
        public var mergeInto: (contents: BundleContents, path: String)?

        public init(inversion: InversionModel, name: String, mergeInto: (contents: BundleContents, path: String)? = nil) {
            (self.inversion, self.name, self.mergeInto) = (inversion, name, mergeInto)
        }

        /// The file's contents with `network` as this run's network.
        func contents(with network: GradStyleNetwork, step: Int) throws -> BundleContents {
            let (tensors, metadata) = try GradStyleBundle.fileContents(
                inversion: inversion, networks: [name: network], extraMetadata: ["gradstyle.\(name).trained_steps": String(step)])
            var contents = BundleContents(tensors: tensors, metadata: metadata)
            guard let (other, path) = mergeInto else { return contents }
            // The other bundle's network of this name (an earlier run) is replaced by this one.
            if other.networks.contains(where: { $0 != name }) {
                contents = try BundleMerge.merge(other, from: path, into: contents, at: path).contents
            }
            // A float16 bundle stays float16.
            if let storage = WeightStorage.recorded(in: other.metadata) { contents = try contents.stored(as: storage, path: path) }
            return contents
        }
    }

    public let model: GradStyleModel
    public let options: GradStyleTrainingOptions
    public let losses: ImageLosses
    let optimizer: Optimizer
    let data: BatchSource
    public private(set) var step = 0
    public var quiet = false
    public private(set) var history: [[String: Double]] = []
    /// Fixed images for progress sheets.
    public private(set) var sampleImages: Tensor?
    /// nil: checkpoints publish nothing beside them.
    public var publishedBundle: PublishedBundle?

    public init(model: GradStyleModel, data: BatchSource, options: GradStyleTrainingOptions, losses: ImageLosses) throws {
        try options.validate()
        guard data.resolution == model.encoder.inputSize else {
            throw ModelError("data resolution \(data.resolution) does not match the encoder input size \(model.encoder.inputSize)")
        }
        self.model = model
        self.options = options
        self.losses = losses
        self.data = data
        model.encoder.eval().freeze()
        model.generator.eval().freeze()
        model.network.train().unfreeze()
        let params = model.network.parameters()
        optimizer = NamedOptimizer.make(options.optimizer, params, learningRate: options.learningRate)
    }

    public var device: Device { model.generator.input.input.device }

    public var cadence: TrainingCadence {
        TrainingCadence(batch: options.batch, sampleEvery: options.sampleEvery, checkpointEvery: options.checkpointEvery)
    }

    /// Output and target at a common resolution: the smaller of the two, by area down-sampling (the references'
    /// face_pool brings a 1024² generator to the 256² data; a 64² generator compares against 128² data at 64²).
    func aligned(_ y: Tensor, _ x: Tensor) -> (Tensor, Tensor) {
        let s = Swift.min(y.size(2), x.size(2))
        func at(_ t: Tensor) -> Tensor { t.size(2) == s ? t : Functional.interpolate(t, size: (s, s), mode: .area) }
        return (at(y), at(x))
    }

    /// Generator output at the data's resolution (for sheets).
    func toTrainingSize(_ y: Tensor) -> Tensor {
        let s = data.resolution
        guard y.size(2) != s else { return y }
        return Functional.interpolate(y, size: (s, s), mode: y.size(2) > s ? .area : .bilinear)
    }

    public func nextBatch() throws -> Tensor { try data.nextBatch(options.batch) }

    public func train(on batch: Tensor, parallel: DataParallelism) throws -> [String: Double] {
        let x = batch.to(.float32, device: device)
        if sampleImages == nil { sampleImages = x.narrow(dim: 0, start: 0, length: Swift.min(4, x.size(0))) }
        var log: [String: Double] = [:]

        let rec = model.reconstruct(x, noise: .const)
        let (recY, recX) = aligned(rec.image, x)
        let (recLoss, recParts) = losses(recY, recX, options)
        var total = recLoss
        for (k, v) in recParts { log["rec_\(k)"] = v }

        switch options.misalign {
        case .warp:
            let warp = localWarp(rows: x.size(0), parallel: parallel)
            let xt = warp.apply(x)
            let (wt, pyramidT) = withNoGrad { model.encode(xt) }
            let trainsResiduals = options.editTrainsResiduals ?? true
            let edited = model.edit(residuals: trainsResiduals ? rec.residuals : rec.residuals.map { $0.detach() },
                                    reconstructionFeatures: rec.features, editedLatent: wt, noise: .const,
                                    fusionLearns: options.editTrainsFusion ?? true)
            let (ediY, ediX) = aligned(edited.image, xt)
            let (ediLoss, ediParts) = losses(ediY, ediX, options)
            total = total + ediLoss
            for (k, v) in ediParts { log["edi_\(k)"] = v }
            if options.lambdaAlign > 0 {
                // The GRMs' batch norm runs in training mode here. Across processes it shares the global batch's
                // statistics only while gradients are recorded, so a data-parallel run records and detaches.
                let targets = parallel.worldSize == 1
                    ? withNoGrad { model.reconstruct(latent: wt, pyramid: pyramidT, noise: .const).residuals }
                    : model.reconstruct(latent: wt, pyramid: pyramidT, noise: .const).residuals.map { $0.detach() }
                let align = alignerLoss(edited.alignedResiduals, targets)
                total = total + align * options.lambdaAlign
                log["align"] = align.item()
                log["align_rel"] = relativeAlignmentError(edited.alignedResiduals, targets)
            }
        case .featureWarp:
            let warp = localWarp(rows: x.size(0), parallel: parallel)
            let warped = rec.residuals.map { warp.apply(options.editTrainsResiduals ?? true ? $0 : $0.detach()) }
            let warpedFeatures = rec.features.map { warp.apply($0) }
            let edited = model.edit(residuals: warped, reconstructionFeatures: warpedFeatures, editedLatent: rec.latent)
            let (ediY, ediX) = aligned(edited.image, x)
            let (ediLoss, ediParts) = losses(ediY, ediX, options)
            total = total + ediLoss
            for (k, v) in ediParts { log["edi_\(k)"] = v }
            if options.lambdaAlign > 0 {
                let align = alignerLoss(edited.alignedResiduals, rec.residuals.map { $0.detach() })
                total = total + align * options.lambdaAlign
                log["align"] = align.item()
                log["align_rel"] = relativeAlignmentError(edited.alignedResiduals, rec.residuals)
            }
        case .none:
            break
        }

        model.network.zeroGrad()
        total.backward()
        try parallel.step(optimizer)
        log["loss"] = total.item()
        step += 1
        history.append(log)
        return log
    }

    /// This process's rows of the warps drawn for the global batch (`options.batch`, the whole batch in one
    /// process), so a data-parallel step warps each image as one process with the global batch would.
    func localWarp(rows: Int, parallel: DataParallelism) -> RandomWarp {
        guard parallel.worldSize > 1 else { return RandomWarp.random(strengths: options.misalignStrengths(count: rows)) }
        let all = RandomWarp.random(strengths: options.misalignStrengths(count: options.batch))
        return RandomWarp(matrices: all.matrices.slice(parallel.localRange(count: options.batch)))
    }

    public func lossTerms(_ log: [String: Double]) -> [String: Double] { log }

    public func status(_ log: [String: Double]) -> String {
        log.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: " ")
    }

    public var replicatedTensors: [Tensor] { model.network.replicatedTensors }

    /// Σ|F' − F̃| / Σ|F̃| over all stages: the alignment error relative to the residuals' size, which (unlike the
    /// loss itself) does not grow just because the residuals do while the GRMs learn.
    func relativeAlignmentError(_ aligned: [Tensor], _ targets: [Tensor]) -> Double {
        withNoGrad {
            let err = zip(aligned, targets).map { ($0 - $1).abs().sum().item() }.reduce(0, +)
            let size = targets.map { $0.abs().sum().item() }.reduce(0, +)
            return err / Swift.max(size, 1e-12)
        }
    }

    /// Σ_m mean |F'_m − F̃_m|.
    func alignerLoss(_ aligned: [Tensor], _ targets: [Tensor]) -> Tensor {
        zip(aligned, targets).map { ($0 - $1.detach()).abs().mean() }.reduce(Tensor.zeros([], device: aligned[0].device), +)
    }

    // MARK: - Checkpoints

    public func store(in c: inout TrainingCheckpoint) throws {
        c.store(model.network, as: "gradstyle")
        c.store(optimizer, as: "optim")
        c.store(position: data.resumePosition, as: "data")
        if let s = sampleImages { c.tensors["sample_images"] = s }
        c.metadata[GradStyleBundle.configKey(GradStyleBundle.mainPrefix)] = try StableJSON.string(model.network.config)
    }

    public func restore(from c: TrainingCheckpoint, step: Int) throws {
        if let json = c.metadata[GradStyleBundle.configKey(GradStyleBundle.mainPrefix)] {
            let stored = try JSONDecoder().decode(GradStyleConfig.self, from: Data(json.utf8))
            guard stored == model.network.config else {
                throw ModelError("the checkpoint's GradStyle configuration differs from the requested one")
            }
        }
        try c.restore(model.network, from: "gradstyle")
        try c.restore(optimizer, from: "optim")
        try data.restore(resumePosition: c.position("data"))
        sampleImages = c.tensors["sample_images"]
        self.step = step
    }

    /// The bundle `invert`/`edit` take, when `publishedBundle` says what goes in it.
    public func export(to outDirectory: URL) throws {
        guard let bundle = publishedBundle else { return }
        try bundle.contents(with: model.network, step: step).write(to: outDirectory.appendingPathComponent(GradStyleTrainer.bundleName))
    }

    /// Source | e4e | GradStyle reconstruction | a warped "edit" through the Editing Stream, one row per sample.
    public func sheet() throws -> RasterImage {
        guard let x = sampleImages else { throw ModelError("no samples yet") }
        // Evaluation mode: the sheet must not update batch-norm statistics (that would change training).
        let wasTraining = model.network.isTraining
        model.network.eval()
        defer { model.network.train(wasTraining) }
        let rows = withNoGrad { () -> [Tensor] in
            let e4e = toTrainingSize(model.reconstruct(x, useResiduals: false).image)
            let rec = model.reconstruct(x)
            let shifted = RandomWarp(matrices: Tensor([1, 0, 0.2, 0, 1, 0, 0, 0, 1] as [Double], shape: [1, 3, 3])
                .expand([x.size(0), 3, 3]).contiguous())
            let (wt, _) = model.encode(shifted.apply(x))
            let edited = toTrainingSize(model.edit(rec, editedLatent: wt).image)
            return [x, e4e, toTrainingSize(rec.image), edited]
        }
        let n = x.size(0)
        var tiles: [RasterImage] = []
        let columns = try rows.map { try ImageTensors.rasterImages($0) }
        for i in 0..<n { for c in columns { tiles.append(c[i]) } }
        return try ImageGrid(rows: n, columns: 4, columnLabels: ["source", "e4e", "gradstyle", "shift edit"]).render(tiles)
    }

    public func sample() throws -> RasterImage? { try sheet() }
}
