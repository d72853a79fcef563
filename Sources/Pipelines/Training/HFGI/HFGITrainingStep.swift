import Foundation
import ImageIO
import Models
import NN
import TensorIO
import Torch

/// One HFGI training step as the public `Coach` runs it (Tengfei-Wang/HFGI `training/coach.py`, `models/psp.py`):
///
/// 1. w = E(x) + latent_avg and the first pass G(w) — both frozen;
/// 2. the distortion map res = x − resize(clamp(G(w))) (detached), distorted by a RandomPerspective;
/// 3. ADA aligns the distorted map to the first-pass image: aligned = ADA(cat(perspective(res), resize(clamp(G(w)))));
/// 4. the residual encoder turns it into conditions and the final image is G(w, conditions);
/// 5. loss (`HFGILoss`) on the final image against x plus λ_res·mean|aligned − res|, one optimiser step.
///
/// Trained: the residual encoder (`residue`) and ADA (`grid_align`), in training mode. Frozen: the e4e encoder and
/// the generator. Deviation: the public code leaves the frozen encoder in training mode (`self.net.train()`), so
/// its batch norms use batch statistics and drift their running statistics; here it stays in evaluation mode, a
/// fixed function, as at inference.
///
/// A `TrainingStep`: `TrainingLoop` runs it (cadence, checkpoints, exact resume, progress, data parallelism).
public final class HFGITrainingStep: TrainingStep {
    public let model: HFGIModel
    public let options: HFGITrainingOptions
    public let loss: HFGILoss
    let optimizer: Optimizer
    let data: BatchSource
    public private(set) var step = 0
    /// No progress lines.
    public var quiet = false
    /// Fixed images for progress sheets (the first batch's first four).
    public private(set) var sampleImages: Tensor?

    public static let checkpointKind = "gradstyle.train.hfgi"
    public static let checkpointDescription = "an HFGI training checkpoint"
    public let label = "train hfgi"
    public static let configKey = "hfgi.config"

    /// The HFGI networks for training on `inversion`: the public widths, with the condition heads' hidden width from
    /// the options and their output width the generator's 64² width.
    public static func makeModel(inversion: InversionModel, options: HFGITrainingOptions) throws -> HFGIModel {
        var config = HFGIConfig.official
        config.conditionHidden = options.conditionHidden
        guard let width = inversion.generator.config.channels[HFGIModel.injectionResolution] else {
            throw ModelError("HFGI injects its conditions at \(HFGIModel.injectionResolution)², but the generator is \(inversion.generator.size)²")
        }
        config.conditionChannels = width
        try config.validate()
        return try HFGIModel(inversion: inversion, config: config)
    }

    public init(model: HFGIModel, data: BatchSource, options: HFGITrainingOptions, losses: ImageLosses = ImageLosses()) throws {
        try options.validate()
        guard data.resolution == model.inputSize else {
            throw ModelError("the images are \(data.resolution)² but the encoder takes \(model.inputSize)²")
        }
        self.model = model
        self.options = options
        self.data = data
        loss = HFGILoss(options: options, networks: losses)
        model.inversion.encoder.eval().freeze()
        model.generator.eval().freeze()
        model.residue.train().unfreeze()
        model.gridAlign.train().unfreeze()
        // The residual encoder's parameters, then ADA's (`configure_optimizers`).
        let params = model.residue.parameters() + model.gridAlign.parameters()
        optimizer = NamedOptimizer.make(options.optimizer, params, learningRate: options.learningRate)
    }

    public var device: Device { model.generator.input.input.device }

    public var cadence: TrainingCadence {
        TrainingCadence(batch: options.batch, sampleEvery: options.sampleEvery, checkpointEvery: options.checkpointEvery)
    }

    /// What every data-parallel process must start from: the trained networks (the frozen parts load from the
    /// same file everywhere).
    public var replicatedTensors: [Tensor] { model.residue.replicatedTensors + model.gridAlign.replicatedTensors }

    /// The next global batch of `options.batch` images.
    public func nextBatch() throws -> Tensor { try data.nextBatch(options.batch) }

    /// One optimiser step on this process's part of the batch; the loss parts for the log ("loss" is the total,
    /// "distorted" 1 when the batch's distortion map was warped). Every process draws the same perspective (one per
    /// batch, as torchvision draws one per batch tensor).
    public func train(on batch: Tensor, parallel: DataParallelism) throws -> [String: Double] {
        let x = batch.to(.float32, device: device)
        if sampleImages == nil { sampleImages = x.narrow(dim: 0, start: 0, length: Swift.min(4, x.size(0))) }
        let noise = options.noiseMode
        // Frozen parts: no graph (nothing upstream of the distortion map is trained).
        let (w, firstPass) = withNoGrad { () -> (Tensor, Tensor) in
            let w = model.latents(x)
            return (w, model.atInputSize(model.generator.synthesis(w, noise: noise)))
        }
        let residual = x - firstPass
        let perspective = RandomPerspective.draw(width: x.size(3), height: x.size(2), scale: options.distortionScale,
                                                 probability: options.distortionRate)
        let aligned = model.gridAlign(Tensor.cat([perspective.apply(residual), firstPass], dim: 1))
        let (scale, shift) = model.residue(aligned, size: HFGIModel.injectionResolution)
        let image = model.synthesis(w, scale: scale, shift: shift, noise: noise)
        let (total, parts) = loss(output: image, target: x, aligned: aligned, residual: residual)

        model.residue.zeroGrad()
        model.gridAlign.zeroGrad()
        total.backward()
        try parallel.step(optimizer)
        step += 1
        var log = parts
        log["loss"] = total.item()
        log["distorted"] = perspective.endpoints == nil ? 0 : 1
        return log
    }

    public func lossTerms(_ log: [String: Double]) -> [String: Double] { log }

    /// The progress status: every logged term, by name.
    public func status(_ log: [String: Double]) -> String {
        log.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: " ")
    }

    // MARK: - Checkpoints

    /// The step's part of a checkpoint for exact resume: both trained networks (batch-norm statistics included),
    /// the optimiser state, the data position, the sample images and the HFGI widths. (The training loop adds the
    /// kind, step count, options and RNG state.) The frozen encoder and generator come from the inversion model
    /// the run was started on.
    public func store(in c: inout TrainingCheckpoint) throws {
        c.store(model.residue, as: "residue")
        c.store(model.gridAlign, as: "grid_align")
        c.store(optimizer, as: "optim")
        c.store(position: data.resumePosition, as: "data")
        if let s = sampleImages { c.tensors["sample_images"] = s }
        c.metadata[HFGITrainingStep.configKey] = try StableJSON.string(model.config)
    }

    /// Restores what `store` put there and sets the step count; throws when the widths differ from this run's.
    public func restore(from c: TrainingCheckpoint, step count: Int) throws {
        if let json = c.metadata[HFGITrainingStep.configKey] {
            let stored = try JSONDecoder().decode(HFGIConfig.self, from: Data(json.utf8))
            guard stored == model.config else { throw ModelError("its HFGI network widths differ from this run's") }
        }
        try c.restore(model.residue, from: "residue")
        try c.restore(model.gridAlign, from: "grid_align")
        try c.restore(optimizer, from: "optim")
        try data.restore(resumePosition: c.position("data"))
        sampleImages = c.tensors["sample_images"]
        step = count
    }

    // MARK: - Progress sheet

    /// The fixed distortion of the sheet's last column: every corner moved inwards by the full distortion scale.
    func sheetPerspective(size: Int) -> RandomPerspective {
        let d = Int(options.distortionScale * Double(size / 2))
        return RandomPerspective(endpoints: [[d, d], [size - 1 - d, d], [size - 1 - d, size - 1 - d], [d, size - 1 - d]],
                                 width: size, height: size)
    }

    /// Source | e4e (the first pass) | HFGI | HFGI from a distorted distortion map (what ADA must undo), one row per
    /// sample, at the data's size, stored noise. The networks are in evaluation mode meanwhile, so drawing a sheet
    /// changes nothing in training.
    public func sample() throws -> RasterImage? {
        guard let x = sampleImages else { return nil }
        let wasTraining = model.residue.isTraining
        model.residue.eval()
        model.gridAlign.eval()
        defer {
            model.residue.train(wasTraining)
            model.gridAlign.train(wasTraining)
        }
        let size = x.size(2)
        func toDataSize(_ y: Tensor) -> Tensor {
            y.size(2) == size ? y : Functional.interpolate(y, size: (size, size), mode: y.size(2) > size ? .area : .bilinear)
        }
        let columns = try withNoGrad { () -> [[RasterImage]] in
            let w = model.latents(x)
            let first = model.generator.synthesis(w, noise: .const)
            let residual = x - model.atInputSize(first)
            let hfgi = model.render(target: w, residual: residual, targetImage: first).image
            let distorted = model.render(target: w, residual: sheetPerspective(size: size).apply(residual), targetImage: first).image
            return try [x, first, hfgi, distorted].map { try ImageTensors.rasterImages(toDataSize($0).clamp(min: -1, max: 1)) }
        }
        var tiles: [RasterImage] = []
        for i in 0..<x.size(0) { for c in columns { tiles.append(c[i]) } }
        return try ImageGrid(rows: x.size(0), columns: 4, columnLabels: ["source", "e4e", "hfgi", "distorted map"]).render(tiles)
    }

    /// The file published beside each checkpoint.
    public static let modelFile = "model.safetensors"

    /// Writes the trained HFGI model (inversion model + `residue.*` + `grid_align.*`) as `OUT/model.safetensors`, the
    /// file `invert|edit|eval --method hfgi` read. With `options.statisticsImages` > 0 the file's batch-norm
    /// statistics are re-estimated first; the training's own statistics are put back afterwards, so exporting never
    /// changes training (checkpoints and resume stay exact).
    public func export(to outDirectory: URL) throws {
        var metadata = ["hfgi.trained_steps": String(step)]
        var saved: [Tensor] = []
        if options.statisticsImages > 0 {
            saved = BatchNormStatistics.snapshot(trainedNetworks)
            let images = try reestimateStatistics()
            metadata["hfgi.batch_norm_statistics"] = "re-estimated over \(images) training images"
        }
        defer { if !saved.isEmpty { BatchNormStatistics.restore(trainedNetworks, saved) } }
        try model.save(to: outDirectory.appendingPathComponent(HFGITrainingStep.modelFile), extraMetadata: metadata)
    }

    /// The networks this step trains.
    var trainedNetworks: [Module] { [model.residue, model.gridAlign] }

    /// Re-estimates the residual encoder's and ADA's batch-norm statistics with the current weights over the data's
    /// first `options.statisticsImages` images, as inference runs them (undistorted maps, stored noise), in batches
    /// of at most 16; returns the number of images used. Draws nothing from the random streams.
    func reestimateStatistics() throws -> Int {
        let images = try data.firstImages(options.statisticsImages).to(.float32, device: device)
        let n = images.size(0)
        BatchNormStatistics.reestimate(trainedNetworks) {
            for start in stride(from: 0, to: n, by: 16) {
                let x = images.narrow(dim: 0, start: start, length: Swift.min(16, n - start))
                _ = model.reconstruct(x, noise: .const)
            }
        }
        return n
    }
}
