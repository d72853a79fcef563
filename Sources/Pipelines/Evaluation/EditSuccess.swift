import Foundation
import Models
import NN
import Torch

/// Did an edit do what it should, and only that? An `AttributeClassifier` scores the original and the edited images:
/// the predicted change of the edited attribute (its mean, and the share of images that moved the intended way by
/// more than a threshold) and the mean absolute change of every other attribute (entanglement: an ideal smile edit
/// leaves yaw, age, glasses and hair alone). Changes are edited − original in label units; circular attributes
/// (hue) use the shorter way round the circle.
public struct EditSuccess: Codable, Equatable, Sendable, CustomStringConvertible {
    public enum Direction: String, Codable, Sendable, CaseIterable {
        case increase, decrease
        public var sign: Double { self == .increase ? 1 : -1 }
    }

    public struct OtherChange: Codable, Equatable, Sendable {
        public var attribute: String
        /// Mean |edited − original| over the images.
        public var meanAbsoluteChange: Double
    }

    public var attribute: String
    public var direction: Direction
    public var count: Int
    public var threshold: Double
    /// Mean predicted change of the edited attribute.
    public var meanChange: Double
    /// Share of images whose change, signed by `direction`, exceeds `threshold`.
    public var successRate: Double
    /// The other attributes, in the classifier's order.
    public var others: [OtherChange]
    /// Mean of the others' mean absolute changes (0 when there are none).
    public var entanglement: Double

    /// A change that counts as achieved when none is given: 0.5 for 0/1 attributes (a flip across the decision
    /// threshold), 0.05 of the circle for hue, a quarter of the training labels' standard deviation otherwise
    /// (clearly visible, well above the classifier's noise on unedited pairs).
    public static func defaultThreshold(_ config: AttributeClassifierConfig, attribute: String) -> Double {
        if config.isBinary(attribute) { return 0.5 }
        if config.isCircular(attribute) { return 0.05 }
        guard let i = config.attributes.firstIndex(of: attribute) else { return 0 }
        return 0.25 * config.stds[i]
    }

    /// From predictions (N×K, label units, columns in `attributes` order) of the originals and the edits.
    public static func compute(original: Tensor, edited: Tensor, attributes: [String], circular: Set<String> = [],
                               attribute: String, direction: Direction, threshold: Double) throws -> EditSuccess {
        guard let target = attributes.firstIndex(of: attribute) else {
            throw ModelError("no attribute '\(attribute)' (the classifier predicts \(attributes.joined(separator: ", ")))")
        }
        let k = attributes.count
        guard original.rank == 2, original.size(1) == k, original.shape == edited.shape, original.size(0) >= 1 else {
            throw ModelError("edit success needs N×\(k) predictions for originals and edits alike, got \(original.shape) and \(edited.shape)")
        }
        let n = original.size(0)
        let a = original.to(.float64).doubles(), b = edited.to(.float64).doubles()
        func changes(_ j: Int) -> [Double] {
            (0..<n).map { i in
                let d = b[i * k + j] - a[i * k + j]
                return circular.contains(attributes[j]) ? AttributeScores.wrap(d) : d
            }
        }
        let moved = changes(target)
        let others = attributes.indices.filter { $0 != target }.map { j in
            OtherChange(attribute: attributes[j], meanAbsoluteChange: changes(j).reduce(0) { $0 + Swift.abs($1) } / Double(n))
        }
        return EditSuccess(
            attribute: attribute, direction: direction, count: n, threshold: threshold,
            meanChange: moved.reduce(0, +) / Double(n),
            successRate: Double(moved.filter { $0 * direction.sign > threshold }.count) / Double(n),
            others: others,
            entanglement: others.isEmpty ? 0 : others.reduce(0) { $0 + $1.meanAbsoluteChange } / Double(others.count))
    }

    /// Scores image pairs (N×3×H×W in [-1, 1], any size) with `classifier` in evaluation mode, `batch` at a time.
    /// `threshold` nil: `defaultThreshold`.
    public static func measure(classifier: AttributeClassifier, original: Tensor, edited: Tensor, attribute: String,
                               direction: Direction, threshold: Double? = nil, batch: Int = 32) throws -> EditSuccess {
        guard original.rank == 4, original.size(1) == 3, original.shape == edited.shape, batch >= 1 else {
            throw ModelError("edit success needs two N×3×H×W image batches of one shape, got \(original.shape) and \(edited.shape)")
        }
        let wasTraining = classifier.isTraining
        classifier.eval()
        defer { classifier.train(wasTraining) }
        let device = classifier.head.weight.device
        func predict(_ images: Tensor) -> Tensor {
            withInferenceMode {
                Tensor.cat(images.split(size: batch).map { classifier.predict($0.to(device: device)).to(.float64, device: .cpu) })
            }
        }
        let config = classifier.config
        return try compute(original: predict(original), edited: predict(edited), attributes: config.attributes,
                           circular: Set(config.circular), attribute: attribute, direction: direction,
                           threshold: threshold ?? defaultThreshold(config, attribute: attribute))
    }

    /// `smile +0.42 (72% of 50 moved up by > 0.10); others mean |Δ| 0.05: yaw 0.03, age 0.04, …`
    public var description: String {
        let way = direction == .increase ? "up" : "down"
        var s = String(format: "%@ %+.3f (%.0f%% of %d moved %@ by > %.3g)", attribute, meanChange, successRate * 100,
                       count, way, threshold)
        if !others.isEmpty {
            s += String(format: "; others mean |Δ| %.3f: ", entanglement)
            s += others.map { String(format: "%@ %.3f", $0.attribute, $0.meanAbsoluteChange) }.joined(separator: ", ")
        }
        return s
    }
}
