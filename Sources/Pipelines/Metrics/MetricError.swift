import Foundation

/// A metric that cannot be computed for the given inputs (shapes, sizes, too few samples), phrased for the user.
public struct MetricError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
