import Foundation

/// The shape of an `AttributeClassifier` and how its outputs map back to label units. Stored as JSON in the
/// classifier's safetensors metadata, so a file alone says what it predicts and in which units.
public struct AttributeClassifierConfig: Codable, Equatable, Sendable {
    /// Square input resolution; any other input size is resized to it.
    public var size: Int
    /// Output channels of the stride-2 blocks, first to last (each block halves the resolution).
    public var widths: [Int]
    /// The predicted attributes, in output order (label-CSV column names).
    public var attributes: [String]
    /// Per attribute: the training labels' mean and standard deviation. The network regresses standardised values
    /// (equal loss weight per attribute whatever its range); `decode` undoes it. Unused (0 and 1) for circular ones.
    public var means: [Double]
    public var stds: [Double]
    /// Attributes on a circle of period 1 (hue: 0 and 1 are the same colour). They are regressed as
    /// (cos 2πh, sin 2πh) — a plain regression would be punished for predicting 0.99 for a label of 0.01 — and
    /// decoded back with atan2.
    public var circular: [String]
    /// Attributes whose training labels were all 0 or 1 (eyeglasses): still regressed, reported as accuracy at 0.5.
    public var binary: [String]

    /// Attributes that a horizontal mirror negates (the head turns the other way, the light comes from the other
    /// side); training flips images at random and negates these labels with them.
    public static let mirrorNegated: Set<String> = ["yaw", "light_direction"]
    /// Attributes that are circular in the synthetic-faces labels.
    public static let knownCircular: Set<String> = ["hair_hue", "background_hue"]
    /// The default attributes: the five that editing changes.
    public static let defaultAttributes = ["smile", "yaw", "age", "eyeglasses", "hair_hue"]

    public init(size: Int = 64, widths: [Int] = [32, 64, 128, 128], attributes: [String] = defaultAttributes,
                means: [Double]? = nil, stds: [Double]? = nil, circular: [String]? = nil, binary: [String] = []) {
        self.size = size
        self.widths = widths
        self.attributes = attributes
        self.means = means ?? Array(repeating: 0, count: attributes.count)
        self.stds = stds ?? Array(repeating: 1, count: attributes.count)
        self.circular = circular ?? attributes.filter { Self.knownCircular.contains($0) }
        self.binary = binary
    }

    public func isCircular(_ attribute: String) -> Bool { circular.contains(attribute) }
    public func isBinary(_ attribute: String) -> Bool { binary.contains(attribute) }

    /// Network outputs: one per attribute, two per circular one.
    public var outputCount: Int { attributes.reduce(0) { $0 + (isCircular($1) ? 2 : 1) } }

    public func validate() throws {
        var problems: [String] = []
        if size < 8 { problems.append("size \(size) is below 8") }
        if widths.isEmpty || widths.contains(where: { $0 < 1 }) { problems.append("widths \(widths) must be positive") }
        if size >> widths.count < 1 { problems.append("\(widths.count) stride-2 blocks reduce \(size)² below 1²") }
        if attributes.isEmpty { problems.append("no attributes") }
        if Set(attributes).count != attributes.count { problems.append("attributes \(attributes) repeat a name") }
        if attributes.contains(where: { $0.isEmpty || $0.contains(",") }) { problems.append("empty or comma in an attribute name") }
        if means.count != attributes.count || stds.count != attributes.count {
            problems.append("\(means.count) means and \(stds.count) stds for \(attributes.count) attributes")
        }
        if stds.contains(where: { !($0 > 0) || !$0.isFinite }) || means.contains(where: { !$0.isFinite }) {
            problems.append("stds must be positive and means finite")
        }
        for name in circular + binary where !attributes.contains(name) { problems.append("'\(name)' is not an attribute") }
        if !problems.isEmpty { throw ModelError("invalid classifier config: " + problems.joined(separator: "; ")) }
    }
}
