import NN
import Torch

/// e4e's progressive training stage (psp_encoders.py `ProgressiveStage`): at stage k the deltas 1…k are active;
/// `wTraining` (0) predicts a single w for every entry; `inference` (18) enables every delta.
public struct ProgressiveStage: RawRepresentable, Codable, Equatable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let wTraining = ProgressiveStage(rawValue: 0)
    public static let inference = ProgressiveStage(rawValue: 18)
    /// `Delta{i}Training`.
    public static func delta(_ i: Int) -> ProgressiveStage { ProgressiveStage(rawValue: i) }

    public static func < (a: ProgressiveStage, b: ProgressiveStage) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        self == .inference ? "Inference" : rawValue == 0 ? "WTraining" : "Delta\(rawValue)Training"
    }
}

/// e4e's encoder (Tov et al., "Designing an Encoder for StyleGAN Image Manipulation", psp_encoders.py
/// `Encoder4Editing`): one code w0 = styles[0](c3) broadcast to every entry, plus a delta styles[i](feature) on
/// entry i for the deltas the progressive stage has enabled. Keeping the deltas small (the trainer's delta
/// regularisation) keeps the codes near W, which is what makes them editable.
public final class Encoder4Editing: FPNStyleEncoder {
    /// Which deltas are active (all of them by default, as after training).
    public var progressiveStage: ProgressiveStage = .inference

    public override init(_ config: EncoderConfig) {
        var c = config
        c.type = .e4e
        super.init(c)
    }

    /// Number of deltas applied at the current stage: min(stage, styleCount − 1); all of them at `inference` (the
    /// reference's value 18 is "all" for every generator up to 1024²; larger generators get all as well).
    public var activeDeltaCount: Int {
        let stage = progressiveStage == .inference ? config.styleCount : progressiveStage.rawValue
        return Swift.max(0, Swift.min(stage, config.styleCount - 1))
    }

    /// `get_deltas_starting_dimensions`: the W+ entry each delta applies to (delta i → entry i).
    public var deltaStartingDimensions: [Int] { Array(0..<config.styleCount) }

    public override func codes(from p: FeaturePyramid) -> Tensor {
        let w0 = styles[0](p.c3)
        var entries = [w0]
        for i in 1..<config.styleCount {
            entries.append(i <= activeDeltaCount ? w0 + styles[i](feature(forStyle: i, in: p)) : w0)
        }
        return Tensor.stack(entries, dim: 1)
    }
}
