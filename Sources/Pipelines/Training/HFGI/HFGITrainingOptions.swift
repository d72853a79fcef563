import Foundation
import Models

/// Options of HFGI training, defaults from the public recipe (Tengfei-Wang/HFGI `train.sh` over
/// `options/train_options.py`): Ranger at 1e-4, batch 8, λ_l2 1, λ_lpips 0.8, λ_id 0.1, λ_res 0.1, RandomPerspective
/// with distortion scale 0.15 applied with probability 0.9, generator noise drawn afresh in every pass (the model's
/// `forward` keeps `randomize_noise=True` in training).
public struct HFGITrainingOptions: Codable, Equatable {
    public var batch = 8
    public var learningRate = 1e-4
    /// "ranger" (the recipe) or "adam".
    public var optimizer = "ranger"
    public var lambdaL2 = 1.0
    public var lambdaLPIPS = 0.8
    public var lambdaID = 0.1
    /// Weight of the ADA loss mean |ADA(perspective(res), image) − res| (`res_lambda`).
    public var lambdaRes = 0.1
    /// RandomPerspective's `distortion_scale` and the probability a batch is distorted (`aug_rate`).
    public var distortionScale = 0.15
    public var distortionRate = 0.9
    /// Generator noise in training: "random" (the recipe) or "const" (the stored noise maps, as inference uses).
    public var noise = "random"
    /// Hidden width of the residual encoder's condition heads (the public 512; its output width is always the
    /// generator's 64² width).
    public var conditionHidden = 512
    /// Training images (the data's first, in file order) over which the exported model's batch-norm statistics are
    /// re-estimated with its final weights (`BatchNormStatistics`); 0 exports the training's running statistics, as
    /// the public code does. A deviation: measured on the bundled model, the training's running statistics cost
    /// about 0.9 dB at evaluation (docs/RESULTS.md).
    public var statisticsImages = 256
    public var sampleEvery = 500
    public var checkpointEvery = 500

    public init() {}

    public var noiseMode: NoiseMode { NoiseMode(rawValue: noise) ?? .random }

    /// Every problem found, one line each, naming the value and what it must be.
    public func problems() -> [String] {
        var p: [String] = []
        if batch < 1 { p.append("batch size \(batch) must be at least 1") }
        if !(learningRate.isFinite && learningRate > 0) { p.append("learning rate \(learningRate) must be a positive number") }
        if !["ranger", "adam"].contains(optimizer) { p.append("optimizer '\(optimizer)' must be ranger or adam") }
        for (name, value) in [("L2", lambdaL2), ("LPIPS", lambdaLPIPS), ("ID", lambdaID), ("ADA residual", lambdaRes)]
        where !(value.isFinite && value >= 0) {
            p.append("\(name) loss weight \(value) must be a finite number ≥ 0")
        }
        if !(distortionScale.isFinite && distortionScale >= 0 && distortionScale <= 1) {
            p.append("distortion scale \(distortionScale) must be in [0, 1]")
        }
        if !(distortionRate.isFinite && distortionRate >= 0 && distortionRate <= 1) {
            p.append("distortion probability \(distortionRate) must be in [0, 1]")
        }
        if NoiseMode(rawValue: noise) == nil || noise == "none" { p.append("training noise '\(noise)' must be random or const") }
        if conditionHidden < 1 { p.append("condition head width \(conditionHidden) must be at least 1") }
        if statisticsImages < 0 { p.append("batch-norm statistics image count \(statisticsImages) must be at least 0") }
        if sampleEvery < 1 { p.append("sample interval \(sampleEvery) must be at least 1 step") }
        if checkpointEvery < 1 { p.append("checkpoint interval \(checkpointEvery) must be at least 1 step") }
        return p
    }

    public func validate() throws {
        let p = problems()
        guard p.isEmpty else { throw ModelError("invalid HFGI training options: " + p.joined(separator: "; ")) }
    }
}
