import Foundation

/// Every failure of this module: a kind to branch on and a one-line message naming the file and the problem,
/// e.g. `photos/a.txt: not a PNG or JPEG image` or `/data/x.png: corrupt PNG data (IHDR: CRC error)`.
public struct ImageIOError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    public enum Kind: String, Equatable, Sendable {
        case emptyFile
        case notAnImage
        case truncated
        case corrupt
        case unsupported
        case tooLarge
        case unsupportedExtension
        case fileSystem
        case invalidArgument
        case outOfMemory
    }

    public let kind: Kind
    /// The file's full path when a file was involved (`nil` for in-memory work without a name).
    public let path: String?
    /// The problem, without the file name.
    public let detail: String

    public init(_ kind: Kind, path: String? = nil, _ detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    public var description: String {
        let line = detail.replacingOccurrences(of: "\n", with: " ")
        // The path as the caller gave it: a bare name would not say which of two folders' `000001.png` it was.
        guard let path, !path.isEmpty else { return line }
        return "\(path): \(line)"
    }

    public var errorDescription: String? { description }
}
