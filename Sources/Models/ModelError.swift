import Foundation

/// A problem with a model's configuration or checkpoint, phrased for the user (one line).
public struct ModelError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
