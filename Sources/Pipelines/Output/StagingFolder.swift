import Foundation
import ImageIO
import TensorIO

/// All-or-nothing output for a job that writes many files: they are written into a hidden folder inside the
/// destination and renamed into place (each rename atomic, replacing an older file of that name) only when the job
/// has succeeded; otherwise the hidden folder is removed, with the destination folder itself if the job made it.
///
/// The destination is locked (`OutputLock`, which also clears staging folders that interrupted runs left) until
/// `commit` or `discard`, and SIGINT/SIGTERM remove the staging folder (`InterruptCleanup`).
///
/// A destination that already holds files is refused: a second run into it would leave the first run's files that
/// it does not rewrite beside its own, one folder holding two runs. Only outputs meant to grow a folder (directions,
/// which `directions fit` adds one at a time) pass `addingTo: true`.
public final class StagingFolder {
    static let namePrefix = ".gradstyle-staging-"

    public let destination: URL
    public let folder: URL
    private var lock: OutputLock?

    public init(in destination: URL, addingTo: Bool = false) throws {
        let lock = try OutputLock(destination)
        if !addingTo, let earlier = Self.earlierFiles(in: destination).first {
            throw TensorIOError(destination, "the output folder already holds another run's files (\(earlier), …): choose a new folder, or remove this one first")
        }
        self.lock = lock
        self.destination = destination
        folder = destination.appendingPathComponent(Self.namePrefix + UUID().uuidString)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        } catch {
            throw TensorIOError(destination, "cannot write in the output folder (\(error.localizedDescription))")
        }
        InterruptCleanup.register(folder)
        if lock.createdDirectory { InterruptCleanup.registerIfEmpty(destination) }
    }

    public func url(for name: String) -> URL { folder.appendingPathComponent(name) }

    /// What a folder holds besides the lock and what interrupted runs leave (sorted names).
    static func earlierFiles(in destination: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: destination.path)) ?? []
        return names.filter { $0 != OutputLock.fileName && !OutputLock.isLeftover($0) }.sorted()
    }

    /// Moves every staged file (and folder) into the destination and removes the staging folder; returns the final
    /// URLs. A staged folder replaces the destination's folder of that name only when that one is empty or missing.
    /// With nothing staged (every input failed) it is `discard`: no empty output folder is left behind.
    public func commit() throws -> [URL] {
        let fm = FileManager.default
        let names = try fm.contentsOfDirectory(atPath: folder.path).sorted()
        guard !names.isEmpty else {
            discard()
            return []
        }
        return try InterruptCleanup.publishing {
            var moved: [URL] = []
            for name in names {
                let target = destination.appendingPathComponent(name)
                guard rename(folder.appendingPathComponent(name).path, target.path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    discard()
                    throw TensorIOError(target, "cannot move the result into place (\(reason))")
                }
                moved.append(target)
            }
            finish()
            return moved
        }
    }

    /// Removes everything staged (and the destination when this job created it and nothing else is there).
    public func discard() {
        let fm = FileManager.default
        try? fm.removeItem(at: folder)
        if lock?.createdDirectory == true {
            let left = (try? fm.contentsOfDirectory(atPath: destination.path)) ?? []
            if left.allSatisfy({ $0 == OutputLock.fileName }) {
                try? fm.removeItem(at: destination.appendingPathComponent(OutputLock.fileName))
                try? fm.removeItem(at: destination)
            }
        }
        finish()
    }

    private func finish() {
        try? FileManager.default.removeItem(at: folder)
        InterruptCleanup.unregister(folder)
        InterruptCleanup.unregister(destination)
        lock = nil
    }

    /// Runs `body` with a staging folder in `destination`, committing what it staged when it returns and discarding
    /// it when it throws. Returns the body's value and the published URLs.
    public static func publish<T>(into destination: URL, addingTo: Bool = false,
                                  _ body: (StagingFolder) throws -> T) throws -> (T, [URL]) {
        let staging = try StagingFolder(in: destination, addingTo: addingTo)
        let value: T
        do {
            value = try body(staging)
        } catch {
            staging.discard()
            throw staging.namingDestination(error)
        }
        return (value, try staging.commit())
    }

    /// A file error about a staged file, told of the file it was to become (the hidden folder means nothing to a user).
    func namingDestination(_ error: Error) -> Error {
        let staged = folder.path + "/"
        if let e = error as? TensorIOError, e.path.hasPrefix(staged) {
            return TensorIOError(path: destination.path + e.path.dropFirst(folder.path.count), e.message)
        }
        if let e = error as? ImageIOError, let path = e.path, path.hasPrefix(staged) {
            return ImageIOError(e.kind, path: destination.path + path.dropFirst(folder.path.count), e.detail)
        }
        return error
    }
}
