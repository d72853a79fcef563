import Models

/// The GradStyle network a training run builds, as plain values (GRADSTYLE.md's [D] decisions; defaults as
/// documented there). Names are the raw values of the Models enums, listed for callers that check them first.
public struct GradStyleNetworkOptions: Equatable, Sendable {
    public static let fusionKinds = FusionKind.allCases.map(\.rawValue)
    public static let keySources = KeySource.allCases.map(\.rawValue)
    public static let attentionKinds = AttentionKind.allCases.map(\.rawValue)
    public static let positionEncodings = PositionEncoding.allCases.map(\.rawValue)
    public static let alignerPaths = AlignerPath.allCases.map(\.rawValue)

    /// Injection stages (generator resolutions), coarse to fine.
    public var stages = [16, 32, 64]
    public var injectPoint = "after_conv0"
    public var residualChannels = 256
    public var grmBlocks = 2
    public var fusion = "gate"
    public var heads = 4
    public var headDim = 64
    public var alignerBlocks = 1
    public var keySource = "residual"
    public var attention = "selective"
    public var selectRatio = 1.0 / 16
    /// "none" stores no position encoding.
    public var positionEncoding = "none"
    public var alignerPath = "motion_gate"
    /// Attention window side at stages ≥ `windowFrom` (nil: attention over all positions everywhere).
    public var window: Int? = 7
    public var windowFrom = 32
    /// The one-shot baseline: one stage (64², or the finest given) with full attention.
    public var singleStage = false

    public init() {}

    /// The network's configuration (before `GradStyleModel.makeConfig` adds the encoder's and generator's widths).
    public func config() throws -> GradStyleConfig {
        func named<T: RawRepresentable>(_ value: String, _ what: String, _ names: [String]) throws -> T where T.RawValue == String {
            guard let v = T(rawValue: value) else {
                throw ModelError("unknown \(what) '\(value)': expected one of \(names.joined(separator: ", "))")
            }
            return v
        }
        guard !stages.isEmpty else { throw ModelError("no injection stages: expected resolutions, e.g. 16, 32, 64") }
        var c = GradStyleConfig()
        c.stages = stages
        c.injectPoint = injectPoint
        c.residualChannels = residualChannels
        c.grmBlocks = grmBlocks
        c.fusion = try named(fusion, "fusion", Self.fusionKinds)
        c.heads = heads
        c.headDim = headDim
        c.alignerBlocks = alignerBlocks
        c.keySource = try named(keySource, "key source", Self.keySources)
        c.attention = try named(attention, "attention", Self.attentionKinds)
        c.selectRatio = selectRatio
        let position: PositionEncoding = try named(positionEncoding, "position encoding", Self.positionEncodings)
        c.positionEncoding = position == .none ? nil : position
        c.alignerPath = try named(alignerPath, "aligner path", Self.alignerPaths) as AlignerPath
        c.window = window
        c.windowFrom = windowFrom
        if singleStage {
            c.stages = [stages.contains(64) ? 64 : stages.max()!]
            c.attention = .full
            c.window = nil
        }
        try c.validate()
        return c
    }

    /// The bundle name of the trained network: gradstyle, or single_stage for the one-shot baseline.
    public var defaultBundleName: String { singleStage ? GradStyleBundle.singleStagePrefix : GradStyleBundle.mainPrefix }
}
