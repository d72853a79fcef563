import Foundation

/// A training step whose loss is not finite: the run stops there, before the next sample or checkpoint is written,
/// so the output folder keeps the last good checkpoint and model (a NaN run would otherwise train to the end and
/// overwrite them with NaN weights).
public struct TrainingDiverged: Error, CustomStringConvertible, LocalizedError {
    public let step: Int
    public let term: String
    public let value: Double
    public let outDirectory: URL

    public var description: String {
        "training diverged at step \(step): loss '\(term)' is \(value.isNaN ? "NaN" : "\(value)"); stopped before writing anything, "
            + "\(outDirectory.path) keeps its last good checkpoint (lower the learning rate, or check the data and weights)"
    }
    public var errorDescription: String? { description }
}

/// The one check every trainer runs after each step.
public enum TrainingDivergence {
    /// Throws `TrainingDiverged` naming the first (by name) loss term that is NaN or infinite.
    public static func check(_ losses: [String: Double], step: Int, outDirectory: URL) throws {
        for (term, value) in losses.sorted(by: { $0.key < $1.key }) where !value.isFinite {
            throw TrainingDiverged(step: step, term: term, value: value, outDirectory: outDirectory)
        }
    }
}
