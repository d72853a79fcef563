import Foundation
import Models

/// Options of `gradstyle train encoder`, with the defaults of e4e's `train_options.py` and the FFHQ command of its
/// README (batch 8, Ranger at lr 1e-4, λ_l2 1, λ_lpips 0.8 (alex), delta regularisation λ 2e-4 with the L2 norm,
/// progressive deltas from step 20,000 every 2,000 steps). The ID loss is off by default (faces only; e4e's README
/// uses 0.5, pSp's 0.1): set `lambdaID` with an ArcFace. pSp's w-norm defaults to 0 as in pSp's options, and so
/// does e4e's latent discriminator (as in e4e's options; its README uses 0.1).
public struct EncoderTrainingOptions: Codable, Equatable, Sendable {
    public var batch = 8
    public var learningRate = 1e-4
    /// "ranger" (default, as pSp/e4e) or "adam".
    public var optimizer = "ranger"
    public var lambdaL2 = 1.0
    public var lambdaLPIPS = 0.8
    public var lambdaID = 0.0
    /// pSp's w-norm: Σ‖w − w_avg‖₂ / N (only with start_from_latent_avg, as the reference).
    public var lambdaWNorm = 0.0
    /// e4e's delta regularisation: Σ_i mean‖w_i − w_0‖_p over the active deltas, while training progressively.
    public var lambdaDelta = 2e-4
    public var deltaNorm = 2.0
    /// e4e progressive training: deltas start at `progressiveStart` and one more is enabled every
    /// `progressiveStepEvery` steps; nil trains every delta from the start with no delta regularisation (as e4e
    /// without `--progressive_steps`). Ignored for pSp.
    public var progressiveStart: Int? = 20_000
    public var progressiveStepEvery = 2_000
    /// e4e's latent discriminator (off at 0; e4e's README trains FFHQ with 0.1): the encoder's codes against mapped
    /// z, non-saturating logistic loss, Adam at `wDiscriminatorLR`, lazy R1 (`r1` every `dRegEvery` steps), and
    /// code pools of `wPoolSize` (0: no pools; e4e's `--use_w_pool` uses 50).
    public var lambdaWDiscriminator = 0.0
    public var wDiscriminatorLR = 2e-5
    public var r1 = 10.0
    public var dRegEvery = 16
    public var wPoolSize = 50
    public var sampleEvery = 500
    public var checkpointEvery = 500
    /// Images per sample grid (the first ones of the current batch).
    public var sampleCount = 4

    public init() {}

    public func validate() throws {
        guard batch >= 1, learningRate > 0, ["ranger", "adam"].contains(optimizer) else {
            throw ModelError("invalid encoder training options: batch \(batch), lr \(learningRate), optimizer \(optimizer)")
        }
        guard [lambdaL2, lambdaLPIPS, lambdaID, lambdaWNorm, lambdaDelta, lambdaWDiscriminator, r1].allSatisfy({ $0 >= 0 && $0.isFinite }),
              deltaNorm > 0 else {
            throw ModelError("loss weights must be finite and non-negative, the delta norm positive")
        }
        if let start = progressiveStart, start < 0 || progressiveStepEvery < 1 {
            throw ModelError("invalid progressive schedule: start \(start), every \(progressiveStepEvery)")
        }
        guard wDiscriminatorLR > 0, dRegEvery >= 1, wPoolSize >= 0 else {
            throw ModelError("invalid latent discriminator settings: lr \(wDiscriminatorLR), R1 every \(dRegEvery), pool \(wPoolSize)")
        }
        guard sampleEvery >= 1, checkpointEvery >= 1, sampleCount >= 1 else {
            throw ModelError("sample and checkpoint intervals and the sample count must be at least 1")
        }
    }

    /// e4e's `setup_progressive_steps`: [0, start, start + every, …], one entry per W+ entry; stage i is active
    /// from step `steps[i]` on.
    public func progressiveSteps(styleCount: Int) -> [Int]? {
        guard let start = progressiveStart else { return nil }
        return [0] + (0..<Swift.max(styleCount - 1, 0)).map { start + $0 * progressiveStepEvery }
    }
}

extension EncoderTrainingOptions {
    /// Options missing from a checkpoint written by an older version take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var o = EncoderTrainingOptions()
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { value = v }
        }
        try read(.batch, &o.batch)
        try read(.learningRate, &o.learningRate)
        try read(.optimizer, &o.optimizer)
        try read(.lambdaL2, &o.lambdaL2)
        try read(.lambdaLPIPS, &o.lambdaLPIPS)
        try read(.lambdaID, &o.lambdaID)
        try read(.lambdaWNorm, &o.lambdaWNorm)
        try read(.lambdaDelta, &o.lambdaDelta)
        try read(.deltaNorm, &o.deltaNorm)
        // Encoding leaves nil out, so a missing key means "not progressive".
        o.progressiveStart = try c.decodeIfPresent(Int.self, forKey: .progressiveStart)
        try read(.progressiveStepEvery, &o.progressiveStepEvery)
        try read(.lambdaWDiscriminator, &o.lambdaWDiscriminator)
        try read(.wDiscriminatorLR, &o.wDiscriminatorLR)
        try read(.r1, &o.r1)
        try read(.dRegEvery, &o.dRegEvery)
        try read(.wPoolSize, &o.wPoolSize)
        try read(.sampleEvery, &o.sampleEvery)
        try read(.checkpointEvery, &o.checkpointEvery)
        try read(.sampleCount, &o.sampleCount)
        self = o
    }
}
