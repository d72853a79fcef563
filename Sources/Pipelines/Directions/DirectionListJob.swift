import Foundation
import Models

/// `gradstyle directions list`: the edits a directions folder offers, each with what strength 1 means.
public struct DirectionListJob {
    public var folder: URL
    /// The generator's style dimension (nil: read from the direction files).
    public var styleDim: Int?

    public init(folder: URL) { self.folder = folder }

    /// (name, scale note) for every edit, by name.
    public func run() throws -> [(name: String, scaleNote: String)] {
        let dim = try styleDim ?? DirectionLibrary.inferStyleDim(folder: folder)
        let library = try DirectionLibrary(folder: folder, styleDim: dim)
        return try library.names.map { name in (name, try library.edit(named: name).scaleNote) }
    }
}
