import Foundation

/// The file formats this module reads and writes.
public enum ImageFormat: String, Equatable, Hashable, Sendable, CaseIterable {
    case png
    case jpeg

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Identifies the format from the first bytes (the extension is never trusted when reading).
    /// A prefix of a signature long enough to be unambiguous still counts, so that a file cut short inside its
    /// signature is reported as a truncated PNG/JPEG rather than as "not an image".
    public static func detect(_ data: Data) -> ImageFormat? {
        let head = [UInt8](data.prefix(8))
        if head.count >= 4, head.elementsEqual(pngSignature.prefix(head.count)) { return .png }
        if head.count >= 2, head[0] == 0xFF, head[1] == 0xD8, head.count == 2 || head[2] == 0xFF { return .jpeg }
        return nil
    }

    /// The format written for a file name extension (case-insensitive): png; jpg, jpeg. `nil` otherwise.
    public init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }

    /// Human name used in messages.
    public var name: String { self == .png ? "PNG" : "JPEG" }
}
