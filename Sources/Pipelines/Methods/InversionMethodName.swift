import Models

extension InversionMethod {
    /// The methods a user picks by name (`invert`/`edit` `--method`); the evaluation protocols also run every ablation
    /// variant a bundle holds.
    public enum Name: String, CaseIterable, Sendable {
        /// Both streams (the bundle's main GradStyle network).
        case gradstyle
        /// The low-bit baseline: the e4e code alone, no residuals.
        case e4e
        /// The one-shot baseline network stored in the same bundle (stage 64², full attention).
        case singleStage = "single-stage"
        /// HFGI (Tengfei-Wang/HFGI): distortion map, ADA and consultation fusion, from an HFGI checkpoint.
        case hfgi
    }

    /// The report name of the network under a bundle prefix ("single_stage" → "single-stage").
    public static func displayName(prefix: String) -> String {
        prefix == GradStyleBundle.singleStagePrefix ? Name.singleStage.rawValue : prefix
    }
}
