import Foundation
import ImageIO
import Models
import NN
import TensorIO
import Torch

/// Trains a pSp or e4e encoder for a frozen generator, as pSp/e4e's `Coach` does: per batch x, w = E(x) + w_avg,
/// ŷ = G(w) with random noise, resized to the encoder's input size (area averaging, pSp's face_pool), and
///
///     loss = λ_l2·MSE(ŷ, x) + λ_lpips·LPIPS(ŷ, x) + λ_id·(1 − cos ArcFace) + λ_wnorm·w-norm (pSp)
///            + λ_delta·Σ_{i ≤ stage} mean‖w_i − w_0‖_p (e4e while training progressively)
///            + λ_wd·mean_i softplus(−D(w_i)) over the discriminated entries (e4e's latent discriminator, optional)
///
/// with e4e's progressive stage a function of the step (`EncoderTrainingOptions.progressiveSteps`). Only the encoder
/// is optimised (Ranger or Adam); the generator is frozen. With the latent discriminator on, each step first trains
/// D (Adam) on mapped z (real) against the encoder's codes (fake; entries 0…stage while progressive, then entry 0
/// or, with pools, a random entry per code) with lazy R1, as e4e's `train_discriminator`.
///
/// One step of it is a `TrainingStep`; `TrainingLoop` runs it. Checkpoints (`checkpoint.safetensors`, atomic) hold the inversion model (`encoder.*`, `decoder.*`, `latent_avg`
/// and both configurations, so `gradstyle invert --model` reads them directly), the optimiser state, the step, the
/// data position and libtorch's RNG state: a resumed run continues exactly as the uninterrupted one would have.
/// Beside it `model.safetensors` is the inversion model alone, and `samples/NNNNNN.png` show source | reconstruction.
public final class EncoderTrainer: TrainingStep {
    public static let modelName = "model.safetensors"
    public static let checkpointKind = "gradstyle.train.encoder"
    public static let checkpointDescription = "an encoder training checkpoint"
    public let label = "train encoder"

    public let model: InversionModel
    public let options: EncoderTrainingOptions
    public let perceptual: LPIPS?
    public let identity: IDLoss?
    /// e4e's latent discriminator, when `lambdaWDiscriminator` > 0.
    public let wDiscriminator: LatentCodesDiscriminator?
    let wDiscriminatorOptim: Adam?
    let realPool: LatentCodesPool?
    let fakePool: LatentCodesPool?
    let optimizer: Optimizer
    let data: BatchSource
    public let device: Device
    public private(set) var step = 0
    public var quiet = false
    /// The losses of this session's steps (the most recent `historyLimit`).
    public private(set) var history: [[String: Double]] = []
    public var historyLimit = 10_000

    /// `perceptual` / `identity` may be nil: their terms are then left out whatever their λ.
    public init(model: InversionModel, data: BatchSource, options: EncoderTrainingOptions,
                perceptual: LPIPS? = nil, identity: IDLoss? = nil, device: Device = .cpu) throws {
        try options.validate()
        guard data.resolution == model.inputSize else {
            throw ModelError("the data is at \(data.resolution)² but the encoder takes \(model.inputSize)² images")
        }
        guard data.count >= options.batch else {
            throw ModelError("batch \(options.batch) is larger than the \(data.count) training images")
        }
        if options.lambdaID > 0, identity == nil {
            throw ModelError("the ID loss (λ_id \(options.lambdaID)) needs ArcFace weights (model_ir_se50.pth)")
        }
        self.model = model
        self.options = options
        self.perceptual = perceptual
        self.identity = identity
        self.data = data
        self.device = device
        model.move(to: device)
        model.generator.eval().freeze()
        model.encoder.train()
        let parameters = model.encoder.parameters()
        optimizer = NamedOptimizer.make(options.optimizer, parameters, learningRate: options.learningRate)
        if options.lambdaWDiscriminator > 0 {
            let d = LatentCodesDiscriminator(styleDim: model.generator.styleDim).to(device: device)
            d.freeze()
            wDiscriminator = d
            wDiscriminatorOptim = Adam(d.parameters(), learningRate: options.wDiscriminatorLR)
            realPool = options.wPoolSize > 0 ? LatentCodesPool(size: options.wPoolSize) : nil
            fakePool = options.wPoolSize > 0 ? LatentCodesPool(size: options.wPoolSize) : nil
        } else {
            (wDiscriminator, wDiscriminatorOptim, realPool, fakePool) = (nil, nil, nil, nil)
        }
        updateProgressiveStage()
    }

    public var cadence: TrainingCadence {
        TrainingCadence(batch: options.batch, sampleEvery: options.sampleEvery, checkpointEvery: options.checkpointEvery)
    }

    /// e4e's stage at the current step (the last stage whose start has been reached).
    public var progressiveStage: ProgressiveStage {
        guard let steps = options.progressiveSteps(styleCount: model.encoderConfig.styleCount) else { return .inference }
        return ProgressiveStage(rawValue: steps.lastIndex { $0 <= step } ?? 0)
    }

    var isProgressive: Bool { model.encoder is Encoder4Editing && options.progressiveStart != nil }

    func updateProgressiveStage() {
        if let e4e = model.encoder as? Encoder4Editing { e4e.progressiveStage = progressiveStage }
    }

    /// Generator output at the encoder's resolution (pSp's face_pool when down-scaling).
    func resized(_ y: Tensor) -> Tensor {
        let s = model.inputSize
        guard y.size(2) != s else { return y }
        return Functional.interpolate(y, size: (s, s), mode: y.size(2) > s ? .area : .bilinear)
    }

    /// The W+ entries the latent discriminator sees: 0…stage while training progressively, else all.
    var discriminatedEntries: [Int] {
        let n = model.encoderConfig.styleCount
        guard isProgressive else { return Array(0..<n) }
        return Array(0...Swift.min(progressiveStage.rawValue, n - 1))
    }

    /// The loss of a batch and its parts, for source images `x` and latents `w` that produced `yHat`.
    func loss(x: Tensor, yHat: Tensor, w: Tensor) -> (Tensor, [String: Double]) {
        var parts: [String: Double] = [:]
        var total = Tensor.zeros([], device: x.device)
        if let d = wDiscriminator {
            let entries = discriminatedEntries
            var adversarial = Tensor.zeros([], device: x.device)
            for i in entries { adversarial = adversarial + (-d(w.select(dim: 1, index: i))).softplus().mean() }
            adversarial = adversarial / Double(entries.count)
            parts["w_adv"] = adversarial.item()
            total = total + adversarial * options.lambdaWDiscriminator
        }
        if isProgressive, let e4e = model.encoder as? Encoder4Editing, e4e.progressiveStage != .inference {
            let first = w.select(dim: 1, index: 0)
            var deltaLoss = Tensor.zeros([], device: x.device)
            for i in Swift.stride(from: 1, through: e4e.activeDeltaCount, by: 1) {
                let delta = w.select(dim: 1, index: e4e.deltaStartingDimensions[i]) - first
                deltaLoss = deltaLoss + EncoderTrainer.norm(delta, p: options.deltaNorm).mean()
            }
            parts["delta"] = deltaLoss.item()
            total = total + deltaLoss * options.lambdaDelta
        }
        if model.encoder is GradualStyleEncoder, options.lambdaWNorm > 0, let avg = model.latentAverage,
           model.encoderConfig.startFromLatentAvg {
            let offset = w - avg.unsqueeze(dim: 0)
            let wNorm = offset.norm(dims: [1, 2]).sum() / Double(w.size(0))
            parts["w_norm"] = wNorm.item()
            total = total + wNorm * options.lambdaWNorm
        }
        if let identity, options.lambdaID > 0 {
            let r = identity(yHat, x, x)
            parts["id"] = r.loss.item()
            parts["id_improve"] = r.similarityImprovement
            total = total + r.loss * options.lambdaID
        }
        if options.lambdaL2 > 0 {
            let l2 = (yHat - x).square().mean()
            parts["l2"] = l2.item()
            total = total + l2 * options.lambdaL2
        }
        if let perceptual, options.lambdaLPIPS > 0 {
            let p = perceptual(yHat, x).mean()
            parts["lpips"] = p.item()
            total = total + p * options.lambdaLPIPS
        }
        parts["loss"] = total.item()
        return (total, parts)
    }

    /// ‖v‖_p over dim 1 (torch.norm(v, p, dim=1)).
    static func norm(_ v: Tensor, p: Double) -> Tensor {
        // torch.norm's own kernel for p = 2: its gradient at a zero vector is 0, not NaN.
        p == 2 ? v.norm(dims: [1]) : v.abs().pow(p).sum(dim: 1).pow(1 / p)
    }

    public func nextBatch() throws -> Tensor { try data.nextBatch(options.batch) }

    /// One optimisation step on `batch`; returns the losses.
    public func train(on batch: Tensor, parallel: DataParallelism) throws -> [String: Double] {
        updateProgressiveStage()
        let x = batch.to(.float32, device: device)
        let discriminatorParts = try trainDiscriminator(x, parallel: parallel)
        let w = model.latents(x)
        let yHat = resized(model.generator.synthesis(w, noise: .random))
        var (total, parts) = loss(x: x, yHat: yHat, w: w)
        parts.merge(discriminatorParts) { a, _ in a }
        if isProgressive { parts["stage"] = Double(progressiveStage.rawValue) }
        optimizer.zeroGrad()
        total.backward()
        try parallel.step(optimizer)
        step += 1
        updateProgressiveStage()
        history.append(parts)
        if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
        lastBatch = x
        return parts
    }

    public func lossTerms(_ parts: [String: Double]) -> [String: Double] { parts }

    /// The losses, and the progressive stage the step trained with.
    public func status(_ parts: [String: Double]) -> String {
        var terms: [String] = []
        for key in ["loss", "l2", "lpips", "id", "w_norm", "delta", "w_adv", "d_real", "d_fake"] {
            if let v = parts[key] { terms.append(String(format: "%@ %.4f", key, v)) }
        }
        if let stage = parts["stage"] { terms.append("stage \(ProgressiveStage(rawValue: Int(stage)))") }
        return terms.joined(separator: " ")
    }

    public var replicatedTensors: [Tensor] {
        model.encoder.replicatedTensors + (wDiscriminator?.replicatedTensors ?? [])
    }

    private var lastBatch: Tensor?

    // MARK: - Samples

    /// Rows of source | reconstruction for the first images of `x` (evaluation mode, constant noise: drawing samples
    /// consumes no randomness, so it cannot change the run).
    public func sampleGrid(_ x: Tensor) throws -> RasterImage {
        let k = Swift.min(options.sampleCount, x.size(0))
        let sources = x.narrow(dim: 0, start: 0, length: k)
        let wasTraining = model.encoder.isTraining
        model.encoder.eval()
        defer { model.encoder.train(wasTraining) }
        let recon = withInferenceMode { resized(model.invert(sources).images) }
        let tiles = try ImageTensors.rasterImages(Tensor.stack([sources, recon.to(device: sources.device)], dim: 1)
            .reshape([2 * k, 3, model.inputSize, model.inputSize]))
        return try ImageGrid(rows: k, columns: 2, columnLabels: ["source", "reconstruction"]).render(tiles)
    }

    /// Source | reconstruction of the last batch.
    public func sample() throws -> RasterImage? { try lastBatch.map { try sampleGrid($0) } }

    // MARK: - Checkpoints

    public func store(in c: inout TrainingCheckpoint) throws {
        let (_, modelMetadata) = try model.fileContents()
        for (name, t) in model.stateDict() { c.tensors[name] = t }
        c.metadata.merge(modelMetadata) { _, model in model }
        c.store(optimizer, as: "optim")
        if let d = wDiscriminator, let dOptim = wDiscriminatorOptim {
            c.store(d, as: "w_discriminator")
            c.store(dOptim, as: "w_discriminator_optim")
            if let real = realPool?.state { c.tensors["w_pool.real"] = real }
            if let fake = fakePool?.state { c.tensors["w_pool.fake"] = fake }
        }
        c.store(position: data.resumePosition, as: "data")
    }

    /// The training options stored in a checkpoint.
    public static func options(in c: TrainingCheckpoint, path: String) throws -> EncoderTrainingOptions {
        guard c.metadata["kind"] == checkpointKind, let json = c.metadata["options"] else {
            throw TensorIOError(path: path, "not an encoder training checkpoint")
        }
        do {
            return try JSONDecoder().decode(EncoderTrainingOptions.self, from: Data(json.utf8))
        } catch {
            throw TensorIOError(path: path, "invalid training options in the checkpoint: \(error)")
        }
    }

    /// Restores the encoder, optimiser, discriminator, pools and data position from a checkpoint of this model's shape.
    public func restore(from c: TrainingCheckpoint, step: Int) throws {
        if let json = c.metadata[EncoderCheckpoint.configKey] {
            let stored = try JSONDecoder().decode(EncoderConfig.self, from: Data(json.utf8))
            guard stored == model.encoderConfig else {
                throw ModelError("the checkpoint's encoder configuration differs from this one")
            }
        }
        var weights: [String: Tensor] = [:]
        for (name, _) in model.stateDict() { weights[name] = c.tensors[name] }
        _ = try withTorchErrors { try model.loadStateDict(weights.compactMapValues { $0 }) }
        try c.restore(optimizer, from: "optim")
        if let d = wDiscriminator, let dOptim = wDiscriminatorOptim {
            try c.restore(d, from: "w_discriminator")
            try c.restore(dOptim, from: "w_discriminator_optim")
            d.freeze()
            realPool?.restore(c.tensors["w_pool.real"]?.to(device: device))
            fakePool?.restore(c.tensors["w_pool.fake"]?.to(device: device))
        }
        try data.restore(resumePosition: c.position("data"))
        self.step = step
        updateProgressiveStage()
    }

    /// A trainer continuing `outDirectory/checkpoint.safetensors`: model and options from the checkpoint.
    public static func resuming(_ outDirectory: URL, data: BatchSource, perceptual: LPIPS? = nil,
                                identity: IDLoss? = nil, device: Device = .cpu) throws -> EncoderTrainer {
        let url = outDirectory.appendingPathComponent(TrainingFiles.checkpoint)
        let c = try TrainingCheckpoint.read(url)
        let options = try options(in: c, path: url.path)
        let model = try InversionModel.load(url)
        let trainer = try EncoderTrainer(model: model, data: data, options: options, perceptual: perceptual,
                                         identity: identity, device: device)
        try trainer.restore(c, path: url.path)
        return trainer
    }

    /// The inversion model alone, beside the checkpoint.
    public func export(to outDirectory: URL) throws {
        try model.save(to: outDirectory.appendingPathComponent(EncoderTrainer.modelName),
                       extraMetadata: ["gradstyle.trained_steps": String(step)])
    }
}
