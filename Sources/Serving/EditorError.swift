import Foundation

/// A request the editor refuses or cannot serve: the HTTP status and one line saying what was wrong.
public struct EditorError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Int, Sendable {
        case badRequest = 400
        /// A cross-site request (another page posting to the editor).
        case forbidden = 403
        case notFound = 404
        case methodNotAllowed = 405
        /// A newer slider position from the same page replaced this one before it ran.
        case superseded = 409
        case tooLarge = 413
        case unsupportedMediaType = 415
        /// A valid image the editor cannot use (no face found when aligning).
        case unprocessable = 422
        case internalError = 500
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var status: Int { kind.rawValue }
    public var description: String { message }
}
