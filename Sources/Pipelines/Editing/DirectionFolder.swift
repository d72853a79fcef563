import Foundation
import Models

/// Where `edit`, the demo and the editing protocol find their directions: the folder given, or else `directions/`
/// beside the model file (where `train gradstyle` and `directions fit` put them).
public enum DirectionFolder {
    public static func url(_ given: URL?, model: URL) -> URL {
        given ?? model.deletingLastPathComponent().appendingPathComponent("directions")
    }

    /// The directions of the folder given (which must exist), else of the default folder when it exists, else none.
    public static func library(_ given: URL?, model: URL, styleDim: Int) throws -> DirectionLibrary {
        let folder = url(given, model: model)
        return given != nil || FileManager.default.fileExists(atPath: folder.path)
            ? try DirectionLibrary(folder: folder, styleDim: styleDim)
            : DirectionLibrary(styleDim: styleDim)
    }
}
