import Foundation
import ImageIO
import Models
import NN
import TensorIO
import Torch

/// Options of `gradstyle train classifier`.
public struct ClassifierTrainingOptions: Codable, Equatable, Sendable {
    public var attributes = AttributeClassifierConfig.defaultAttributes
    /// Input resolution of the classifier (images are resized to it once, when loaded).
    public var size = 64
    public var widths = [32, 64, 128, 128]
    public var batch = 32
    public var learningRate = 1e-3
    /// Random horizontal flips; the labels in `AttributeClassifierConfig.mirrorNegated` (yaw) are negated with them.
    public var flip = true
    /// The last fraction of the labelled files (CSV order) is held out for the R² / MAE / accuracy report.
    public var validationFraction = 0.1
    public var checkpointEvery = 500

    public init() {}

    public func validate() throws {
        var problems: [String] = []
        if attributes.isEmpty || Set(attributes).count != attributes.count { problems.append("attributes must be distinct and non-empty") }
        if size < 8 { problems.append("size must be at least 8") }
        if widths.isEmpty || widths.contains(where: { $0 < 1 }) { problems.append("widths must be positive") }
        // BatchNorm needs two images to estimate a variance.
        if batch < 2 { problems.append("batch must be at least 2") }
        if !(learningRate > 0) { problems.append("learning rate must be positive") }
        if !(0..<1).contains(validationFraction) { problems.append("validation fraction must be in [0, 1)") }
        if checkpointEvery < 1 { problems.append("checkpointEvery must be at least 1") }
        if !problems.isEmpty { throw ModelError("invalid classifier training options: " + problems.joined(separator: "; ")) }
    }
}

/// Trains an `AttributeClassifier` on a labelled image folder: standardised targets (hue as cos/sin), MSE, Adam,
/// random flips that negate mirrored labels, a held-out report at every checkpoint. Checkpoints hold the model,
/// Adam's state, the batch order and libtorch's generator, so a resumed run ends with the very weights an
/// uninterrupted one would have. One step of it is a `TrainingStep`; `TrainingLoop` runs it.
public final class ClassifierTrainer: TrainingStep {
    public static let checkpointKind = "gradstyle.train.classifier"
    public static let checkpointDescription = "a classifier training checkpoint"
    public static let classifierName = "classifier.safetensors"
    public static let metricsName = "metrics.json"
    public let label = "train classifier"

    public let options: ClassifierTrainingOptions
    public let data: LabelledImageSet
    public let classifier: AttributeClassifier
    public let device: Device
    /// Rows of `data` trained on, and held out (the last `validationFraction` of them).
    public let trainIndices: [Int]
    public let heldOutIndices: [Int]
    /// The constant predictor the held-out report compares against: the training labels' (circular) means.
    public let baseline: [Double]
    let optimizer: Adam
    /// 1 for labels a mirror keeps, −1 for those it negates (1×K).
    let mirrorSigns: Tensor?
    public private(set) var step = 0
    public private(set) var lastLoss = Double.nan
    public private(set) var lastScores: AttributeScores?
    public var quiet = false
    /// Receives the held-out report lines (default: standard error).
    public var log: (String) -> Void = { line in
        let clear = isatty(STDERR_FILENO) == 1 ? "\r\u{1B}[2K" : ""
        FileHandle.standardError.write(Data((clear + line + "\n").utf8))
    }

    /// Batch order: a libtorch permutation of the training rows per epoch.
    var order: EpochOrder

    public init(data: LabelledImageSet, options: ClassifierTrainingOptions, device: Device = .cpu) throws {
        try options.validate()
        guard data.attributes == options.attributes else {
            throw ModelError("the data's attributes \(data.attributes) differ from the requested \(options.attributes)")
        }
        let heldOut = options.validationFraction > 0 && data.count >= 2
            ? Swift.max(1, Int((Double(data.count) * options.validationFraction).rounded())) : 0
        guard data.count - heldOut >= 2 else {
            throw PipelineError("\(data.root.path): \(data.count) labelled images leave fewer than 2 to train on")
        }
        self.options = options
        self.data = data
        self.device = device
        trainIndices = Array(0..<(data.count - heldOut))
        order = EpochOrder(count: trainIndices.count)
        heldOutIndices = Array((data.count - heldOut)..<data.count)
        let (config, baseline) = ClassifierTrainer.config(labels: data.labels, rows: trainIndices, options: options)
        try config.validate()
        self.baseline = baseline
        classifier = AttributeClassifier(config).to(device: device)
        optimizer = Adam(classifier.parameters(), learningRate: options.learningRate)
        let signs = options.attributes.map { AttributeClassifierConfig.mirrorNegated.contains($0) ? -1.0 : 1.0 }
        mirrorSigns = signs.contains(-1) ? Tensor(signs.map { Float($0) }, shape: [1, signs.count]) : nil
    }

    /// No sample images: the held-out report at each checkpoint shows progress.
    public var cadence: TrainingCadence {
        TrainingCadence(batch: options.batch, sampleEvery: nil, checkpointEvery: options.checkpointEvery)
    }

    /// The classifier's config from the training rows' labels (standardisation, circular and binary attributes)
    /// and the constant baseline predictor.
    static func config(labels: Tensor, rows: [Int], options: ClassifierTrainingOptions)
        -> (AttributeClassifierConfig, baseline: [Double]) {
        var config = AttributeClassifierConfig(size: options.size, widths: options.widths, attributes: options.attributes)
        var baseline: [Double] = []
        let all = labels.to(.float64).doubles(), k = options.attributes.count
        for (j, name) in options.attributes.enumerated() {
            let y = rows.map { all[$0 * k + j] }
            let mean = y.reduce(0, +) / Double(y.count)
            let variance = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(y.count)
            if config.isCircular(name) {
                baseline.append(AttributeScores.circularMean(y))
            } else {
                config.means[j] = mean
                // A constant attribute keeps unit scale rather than dividing by zero.
                config.stds[j] = variance > 1e-12 ? variance.squareRoot() : 1
                baseline.append(mean)
            }
            if y.allSatisfy({ $0 == 0 || $0 == 1 }) { config.binary.append(name) }
        }
        return (config, baseline)
    }

    /// The next `n` training rows, reshuffled (libtorch's generator) at each epoch boundary.
    func nextRows(_ n: Int) -> [Int] { order.next(n).map { trainIndices[Int($0)] } }

    /// Images and labels (label units) of `rows`, each mirrored with probability ½ when flipping is on — with the
    /// mirror-negated labels (yaw) negated, or the flip would teach the classifier that a head turned left is
    /// turned right.
    func batch(_ rows: [Int]) -> (images: Tensor, labels: Tensor) {
        var x = data.images(rows, device: device)
        var y = data.labels(rows)
        if options.flip {
            // Drawn on the CPU generator whatever the device: its state is what checkpoints store.
            let flip = Tensor.rand([rows.count]).lt(0.5)
            x = x.flip([3]).where(flip.reshape([-1, 1, 1, 1]).to(device: device), x)
            if let mirrorSigns {
                let f = flip.to(.float32).reshape([-1, 1])
                y = y * (1 - f * (1 - mirrorSigns))   // rows not flipped: ×1; flipped: × the mirror signs
            }
        }
        return (x, y.to(device: device))
    }

    public func nextBatch() -> [Int] { nextRows(options.batch) }

    /// One Adam step on one batch of rows; returns the loss (MSE in standardised units).
    public func train(on rows: [Int], parallel: DataParallelism) throws -> Double {
        classifier.train()
        let (x, y) = batch(rows)
        let target = classifier.encode(y)
        let loss = (classifier(x) - target).square().mean()
        optimizer.zeroGrad()
        loss.backward()
        try parallel.step(optimizer)
        step += 1
        lastLoss = loss.item()
        return lastLoss
    }

    public func lossTerms(_ loss: Double) -> [String: Double] { ["loss": loss] }

    public func status(_ loss: Double) -> String { String(format: "loss %.4f", loss) }

    public func sample() throws -> RasterImage? { nil }

    public var replicatedTensors: [Tensor] { classifier.replicatedTensors }

    /// Predictions (label units) for rows of the data, in evaluation mode, batched.
    public func predict(rows: [Int], batch: Int = 64) -> [[Double]] {
        let wasTraining = classifier.isTraining
        classifier.eval()
        defer { classifier.train(wasTraining) }
        let k = options.attributes.count
        var out: [[Double]] = []
        for start in stride(from: 0, to: rows.count, by: batch) {
            let part = Array(rows[start..<Swift.min(start + batch, rows.count)])
            let values = withInferenceMode { classifier.predict(data.images(part, device: device)).to(.float64).doubles() }
            for i in 0..<part.count { out.append(Array(values[(i * k)..<((i + 1) * k)])) }
        }
        return out
    }

    /// The held-out report (nil when nothing is held out).
    public func evaluate() -> AttributeScores? {
        guard !heldOutIndices.isEmpty else { return nil }
        let all = data.labels.to(.float64).doubles(), k = options.attributes.count
        let labels = heldOutIndices.map { Array(all[($0 * k)..<(($0 + 1) * k)]) }
        let config = classifier.config
        let scores = AttributeScores.compute(predictions: predict(rows: heldOutIndices), labels: labels,
                                             attributes: config.attributes, circular: Set(config.circular),
                                             binary: Set(config.binary), baseline: baseline)
        lastScores = scores
        return scores
    }

    // MARK: - Checkpoints

    public func store(in c: inout TrainingCheckpoint) throws {
        c.store(classifier, as: "model")
        c.store(optimizer, as: "optim")
        c.store(position: order.position, as: "data")
        c.metadata["data.count"] = String(data.count)
        c.metadata[AttributeClassifier.configKey] = try StableJSON.string(classifier.config)
    }

    /// Restores what `store` wrote; checks first that the data and the classifier are the checkpoint's.
    public func restore(from c: TrainingCheckpoint, step: Int) throws {
        guard c.metadata["data.count"] == String(data.count) else {
            throw ModelError("it was trained on \(c.metadata["data.count"] ?? "?") labelled images, this data has \(data.count)")
        }
        if let json = c.metadata[AttributeClassifier.configKey] {
            let stored = try JSONDecoder().decode(AttributeClassifierConfig.self, from: Data(json.utf8))
            guard stored == classifier.config else {
                throw ModelError("its classifier (size \(stored.size), widths \(stored.widths), attributes \(stored.attributes)) or label statistics differ from this run's")
            }
        }
        guard let restoredOrder = order.restored(c.position("data")) else {
            throw ModelError("its batch position does not fit \(trainIndices.count) training images")
        }
        try c.restore(classifier, from: "model")
        try c.restore(optimizer, from: "optim")
        order = restoredOrder
        self.step = step
        // This run's options apply from here on (the learning rate too, which the optimiser state carries).
        optimizer.learningRate = options.learningRate
    }

    /// Writes classifier.safetensors (the model for `directions sample` and evaluation) and, with held-out data,
    /// metrics.json; reports the held-out scores.
    public func export(to outDirectory: URL) throws {
        try classifier.save(to: outDirectory.appendingPathComponent(ClassifierTrainer.classifierName),
                            extraMetadata: ["gradstyle.trained_steps": String(step)])
        guard let scores = evaluate() else { return }
        if !quiet { log("step \(step) held-out: \(scores.summary)") }
        struct Metrics: Codable { let step: Int; let heldOut: AttributeScores }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(Metrics(step: step, heldOut: scores)),
                             to: outDirectory.appendingPathComponent(ClassifierTrainer.metricsName))
    }
}
