import Foundation

/// How a residual enters the generator feature (GRADSTYLE.md, Gate&Fusion).
public enum FusionKind: String, Codable, CaseIterable, Sendable {
    /// f + α · σ(conv3×3([f; F])) ⊙ F — the default.
    case gate
    /// f + α · (f · γ(F) + β(F)), HFGI-style modulation.
    case modulation
    /// f + α · F.
    case add
}

/// Where the Aligner's keys come from.
public enum KeySource: String, Codable, CaseIterable, Sendable {
    /// The unaligned residual F_m (the paper's Fig. 3).
    case residual
    /// The reconstruction feature f_rec^m (same layout as F_m).
    case reconstruction
    /// Both, concatenated and projected.
    case both
}

/// Attention inside the Aligner.
public enum AttentionKind: String, Codable, CaseIterable, Sendable {
    /// Keep the top-k logits per query (k = ceil(select_ratio · N)), softmax over those.
    case selective
    /// Plain softmax over all positions (the ablation).
    case full
}

/// Position information for the Aligner's attention.
public enum PositionEncoding: String, Codable, CaseIterable, Sendable {
    /// Content only (default; GRADSTYLE.md's Aligner).
    case none
    /// Fixed 2-D sinusoidal codes added to queries and keys (`SinusoidalPosition`).
    case sinusoidal
}

/// Misalignment augmentation for self-supervised training of the Editing Stream.
public enum MisalignKind: String, Codable, CaseIterable, Sendable {
    /// Warp the image; its own code plays the edited code (default).
    case warp
    /// Warp the residual features and align them back (HFGI-like).
    case featureWarp = "feature_warp"
    /// No misalignment augmentation and no aligner loss (ablation).
    case none
}

/// Every decision GRADSTYLE.md marks [D], as a named option with its documented default. Stored with the weights.
public struct GradStyleConfig: Codable, Equatable, Sendable {
    /// Generator resolutions at which residuals are injected, coarse to fine.
    public var stages: [Int] = [16, 32, 64]
    public var injectPoint: String = "after_conv0"
    public var residualChannels = 256
    public var grmBlocks = 2
    public var fusion: FusionKind = .gate
    public var heads = 4
    public var headDim = 64
    public var alignerBlocks = 1
    public var keySource: KeySource = .residual
    public var attention: AttentionKind = .selective
    public var selectRatio = 1.0 / 16
    /// nil = `.none` (optional so bundles written before the option existed still decode).
    public var positionEncoding: PositionEncoding? = nil
    /// Queries per attention chunk: bounds memory at high resolution (exactly equal to dense attention).
    public var attentionChunk = 1024
    /// Channels of the generator feature at each stage and of the encoder feature feeding it (filled from the
    /// frozen models when the GradStyle model is built).
    public var generatorChannels: [Int: Int] = [:]
    public var encoderChannels: [Int: Int] = [:]

    public init() {}

    /// The one-shot baseline the paper argues against: one stage (the finest default, 64²), full attention.
    public static func singleStage(stage: Int = 64) -> GradStyleConfig {
        var c = GradStyleConfig()
        c.stages = [stage]
        c.attention = .full
        return c
    }

    /// One line for reports: `stages 8,16,32 · selective attention (1/16) · gate fusion · keys residual`.
    public var summary: String {
        let attentionText = attention == .selective
            ? "selective attention (\(selectRatio == 1.0 / 16 ? "1/16" : String(format: "%.3g", selectRatio)))" : "full attention"
        let position = (positionEncoding ?? .none) == .none ? "" : " · \(positionEncoding!.rawValue) positions"
        return "stages \(stages.map(String.init).joined(separator: ",")) · \(attentionText) · \(fusion.rawValue) fusion · keys \(keySource.rawValue)" + position
    }

    /// Top-k size for N positions.
    public func selectedCount(positions n: Int) -> Int {
        Swift.max(1, Swift.min(n, Int((selectRatio * Double(n)).rounded(.up))))
    }

    public func validate() throws {
        guard !stages.isEmpty, stages == stages.sorted(), Set(stages).count == stages.count,
              stages.allSatisfy({ $0 >= 4 && $0 & ($0 - 1) == 0 }) else {
            throw ModelError("gradstyle stages \(stages) must be distinct powers of two ≥ 4, coarse to fine")
        }
        guard ["after_conv0", "after_conv1"].contains(injectPoint) else {
            throw ModelError("inject_point '\(injectPoint)' must be after_conv0 or after_conv1")
        }
        guard residualChannels > 0, grmBlocks >= 0, heads > 0, headDim > 0, alignerBlocks >= 0,
              selectRatio > 0, selectRatio <= 1, attentionChunk > 0 else {
            throw ModelError("invalid gradstyle config: \(self)")
        }
    }
}
