import Foundation
import Pipelines

/// The server's only place on disk: uploads and the face crops made from them live here, under names the server
/// chooses. Removed when the server stops, and on SIGINT/SIGTERM (`InterruptCleanup`).
public final class ServerTempFolder: @unchecked Sendable {
    public let url: URL
    private let lock = NSLock()
    private var counter = 0

    public init(parent: URL = FileManager.default.temporaryDirectory) throws {
        url = parent.appendingPathComponent("gradstyle-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        InterruptCleanup.register(url)
    }

    /// A new file name in the folder: `PREFIX-N.EXT`, N counting up (never from the client).
    public func newFile(prefix: String, ext: String) -> URL {
        lock.lock()
        counter += 1
        let n = counter
        lock.unlock()
        return url.appendingPathComponent("\(prefix)-\(n).\(ext)")
    }

    public func remove() {
        try? FileManager.default.removeItem(at: url)
        InterruptCleanup.unregister(url)
    }
}
