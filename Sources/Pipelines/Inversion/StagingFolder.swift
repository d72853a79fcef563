import Foundation
import TensorIO

/// All-or-nothing output for a job that writes many files: they are written into a hidden folder inside the
/// destination and renamed into place (each rename atomic, replacing an older file of that name) only when the job
/// has succeeded; otherwise the hidden folder is removed, with the destination folder itself if the job made it.
struct StagingFolder {
    let destination: URL
    let folder: URL
    private let createdDestination: Bool

    init(in destination: URL) throws {
        self.destination = destination
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw TensorIOError(destination, "exists and is not a folder") }
            createdDestination = false
        } else {
            do {
                try fm.createDirectory(at: destination, withIntermediateDirectories: true)
            } catch {
                throw TensorIOError(destination, "cannot create the output folder (\(error.localizedDescription))")
            }
            createdDestination = true
        }
        folder = destination.appendingPathComponent(".gradstyle-staging-\(UUID().uuidString)")
        do {
            try fm.createDirectory(at: folder, withIntermediateDirectories: false)
        } catch {
            throw TensorIOError(destination, "cannot write in the output folder (\(error.localizedDescription))")
        }
    }

    func url(for name: String) -> URL { folder.appendingPathComponent(name) }

    /// Moves every staged file into the destination and removes the staging folder. Returns the final URLs.
    func commit() throws -> [URL] {
        let fm = FileManager.default
        let names = try fm.contentsOfDirectory(atPath: folder.path).sorted()
        var moved: [URL] = []
        for name in names {
            let target = destination.appendingPathComponent(name)
            guard rename(folder.appendingPathComponent(name).path, target.path) == 0 else {
                throw TensorIOError(target, "cannot move the result into place (errno \(errno))")
            }
            moved.append(target)
        }
        try? fm.removeItem(at: folder)
        return moved
    }

    /// Removes everything staged (and the destination when this job created it and nothing else is there).
    func discard() {
        let fm = FileManager.default
        try? fm.removeItem(at: folder)
        if createdDestination, (try? fm.contentsOfDirectory(atPath: destination.path))?.isEmpty ?? false {
            try? fm.removeItem(at: destination)
        }
    }
}
