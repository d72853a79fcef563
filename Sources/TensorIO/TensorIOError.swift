import Foundation

/// The one error every reader and writer in TensorIO throws: a single line naming the file and the problem, e.g.
/// `model.pt: pickle global 'os.system' is not allowed`. Files come from users and the internet, so every problem
/// in their bytes must surface as this error — never as a trap.
public struct TensorIOError: Error, LocalizedError, CustomStringConvertible, Equatable, Sendable {
    /// The file the problem is in, as given by the caller (or a placeholder such as `<memory>` for in-memory data).
    public let path: String
    /// What is wrong, without the path.
    public let message: String

    public init(path: String, _ message: String) {
        self.path = path
        // Keep it one line even when a message embeds text read from the file.
        self.message = message.replacingOccurrences(of: "\n", with: " ")
    }

    public init(_ url: URL, _ message: String) {
        self.init(path: url.isFileURL ? url.path : url.absoluteString, message)
    }

    public var description: String { "\(path): \(message)" }
    public var errorDescription: String? { description }
}

extension TensorIOError {
    /// The path placeholder used when decoding bytes that did not come from a file.
    public static let inMemoryPath = "<memory>"
}

/// Maps a file for reading; the kernel pages it in on demand, so opening a multi-gigabyte checkpoint costs nothing
/// until tensors are actually read.
func readMappedFile(_ url: URL) throws -> Data {
    do {
        return try Data(contentsOf: url, options: .alwaysMapped)
    } catch {
        throw TensorIOError(url, "cannot read file: \(describeFoundationError(error))")
    }
}

/// A short reason for a Foundation/POSIX error (their `localizedDescription` is often a long sentence naming the path
/// again).
func describeFoundationError(_ error: Error) -> String {
    let ns = error as NSError
    if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(posix.code)))
    }
    if ns.domain == NSCocoaErrorDomain {
        switch ns.code {
        case NSFileReadNoSuchFileError: return "no such file"
        case NSFileReadNoPermissionError: return "permission denied"
        default: break
        }
    }
    return ns.localizedDescription
}
