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
    /// A learned bias per head and window offset, initialised towards the same position (windowed stages only).
    case relative
}

/// How the Aligner's output relates to the unaligned residual F_m: whether "nothing moved" has an easy answer.
public enum AlignerPath: String, Codable, CaseIterable, Sendable {
    /// F'_m is the attention output alone (the first design: no path that reproduces F_m where nothing moved).
    case attention
    /// F'_m = F_m + γ · Aligner(F_m), γ one learnable scalar per block starting at 0.
    case scalarGate = "scalar_gate"
    /// F'_m = F_m + g ⊙ (Aligner(F_m) − F_m), g = tanh(conv3×3(f_edi − f_rec)²) per position: exactly 0 where the
    /// edited feature equals the reconstruction feature, so the 0σ edit is the reconstruction by construction and the
    /// attention only has to learn where content moved.
    case motionGate = "motion_gate"
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
    /// nil = `.attention` (bundles written before the option existed); new models default to the motion gate.
    public var alignerPath: AlignerPath? = .motionGate
    /// Side of the square attention window (odd) at stages ≥ `windowFrom`; nil or 0 = global attention everywhere.
    public var window: Int? = 7
    /// Stages at and above this resolution attend within a window, coarser ones over all positions.
    public var windowFrom: Int? = 32
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
        c.window = nil
        return c
    }

    public var path: AlignerPath { alignerPath ?? .attention }

    /// The attention window at a stage, or nil for global attention there.
    public func window(atStage resolution: Int) -> Int? {
        guard let w = window, w > 0, resolution >= (windowFrom ?? 0) else { return nil }
        return w
    }

    /// One line for reports: `stages 8,16,32 · selective attention (1/16) · gate fusion · keys residual`.
    public var summary: String {
        let attentionText = attention == .selective
            ? "selective attention (\(selectRatio == 1.0 / 16 ? "1/16" : String(format: "%.3g", selectRatio)))" : "full attention"
        let encoding = positionEncoding ?? PositionEncoding.none
        let position = encoding == PositionEncoding.none ? "" : " · \(encoding.rawValue) positions"
        let windowed = stages.filter { window(atStage: $0) != nil }
        let windowText = windowed.isEmpty ? "" : " · \(window!)×\(window!) windows at \(windowed.map(String.init).joined(separator: ","))"
        return "stages \(stages.map(String.init).joined(separator: ",")) · \(attentionText) · \(fusion.rawValue) fusion · keys \(keySource.rawValue) · aligner \(path.rawValue)" + windowText + position
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
        if let w = window, w != 0 {
            guard w > 0, w % 2 == 1, w <= 63 else { throw ModelError("gradstyle window \(w) must be an odd size from 1 to 63 (or 0 for global attention)") }
        }
        if positionEncoding == .relative, !stages.contains(where: { window(atStage: $0) != nil }) {
            throw ModelError("relative position bias needs a windowed stage (window > 0 and a stage ≥ window_from)")
        }
    }
}
