import Foundation

/// A failure of face detection or landmark prediction: one line, naming the file when one was involved.
public struct FaceLandmarkError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
