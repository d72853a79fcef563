/// Misalignment augmentation for self-supervised training of GradStyle's Editing Stream (a training option, stored
/// in training checkpoints by its raw value).
public enum MisalignKind: String, Codable, CaseIterable, Sendable {
    /// Warp the image; its own code plays the edited code (default).
    case warp
    /// Warp the residual features and align them back (HFGI-like).
    case featureWarp = "feature_warp"
    /// No misalignment augmentation and no aligner loss (ablation).
    case none
}
