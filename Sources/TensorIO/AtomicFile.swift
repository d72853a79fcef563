import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader (or a crash, or a kill mid-training) only ever sees the old file or the complete
/// new one: the content goes to a temporary file in the same directory (same file system, so the rename is atomic),
/// is flushed to disk, and is renamed over the destination. On any failure the temporary file is removed and the
/// destination is untouched.
public enum AtomicFile {
    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { sink in try sink.write(data) }
    }

    /// Streams content to `url` atomically: `body` writes through the sink (so a large checkpoint need not be
    /// assembled in memory first). If `body` throws, its error is rethrown and nothing is left behind.
    public static func write(to url: URL, _ body: (inout Sink) throws -> Void) throws {
        try prepare(for: url, body).publish()
    }

    /// Writes `data` whole and flushed under a hidden name beside `url`, without putting it in place yet: a caller
    /// writing several files prepares them all (where a full disk shows up) and publishes them only when every one
    /// is written. `willCreate` sees the temporary's URL before it exists, so a caller can register it for removal
    /// on a signal.
    public static func prepare(_ data: Data, for url: URL, willCreate: (URL) -> Void = { _ in }) throws -> PendingFile {
        try prepare(for: url, willCreate: willCreate) { sink in try sink.write(data) }
    }

    /// Streams content into a prepared file (see `prepare(_:for:willCreate:)`). If `body` throws, its error is
    /// rethrown and nothing is left behind.
    public static func prepare(
        for url: URL, willCreate: (URL) -> Void = { _ in }, _ body: (inout Sink) throws -> Void
    ) throws -> PendingFile {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        willCreate(temporary)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw TensorIOError(url, "cannot create temporary file: \(lastErrno())") }
        var sink = Sink(fd: fd, url: url)
        var closed = false
        do {
            try body(&sink)
            // Flush the data before the rename, or a crash could leave the new name pointing at an empty file.
            if fsync(fd) != 0, errno != EINVAL, errno != ENOTSUP {
                throw TensorIOError(url, "cannot flush to disk: \(lastErrno())")
            }
            closed = true
            if close(fd) != 0 { throw TensorIOError(url, "cannot close: \(lastErrno())") }
        } catch {
            if !closed { close(fd) }
            unlink(temporary.path)
            throw error
        }
        return PendingFile(url: url, temporary: temporary)
    }

    /// A file written whole and flushed to disk under a hidden name beside its destination, not yet in place.
    public struct PendingFile {
        /// Where `publish()` puts it.
        public let url: URL
        /// Where it is until then.
        public let temporary: URL

        /// Renames the file over its destination (atomic: a reader sees the old file or the new one). On failure
        /// the temporary is removed and the destination is untouched.
        public func publish() throws {
            if rename(temporary.path, url.path) != 0 {
                let reason = lastErrno()
                unlink(temporary.path)
                throw TensorIOError(url, "cannot rename into place: \(reason)")
            }
            // Persist the directory entry too; best effort, since some file systems refuse fsync on directories.
            let directory = url.deletingLastPathComponent().path
            let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
            if dirFD >= 0 {
                _ = fsync(dirFD)
                close(dirFD)
            }
        }

        /// Removes the file without publishing it.
        public func discard() { unlink(temporary.path) }
    }

    /// Where `write(to:_:)` sends bytes.
    public struct Sink {
        fileprivate let fd: Int32
        fileprivate let url: URL
        /// Bytes written so far.
        public private(set) var bytesWritten: Int = 0

        public mutating func write(_ data: Data) throws {
            try data.withUnsafeBytes { try write($0) }
        }

        public mutating func write(_ buffer: UnsafeRawBufferPointer) throws {
            guard var pointer = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                // write(2) may write less than asked, and may be interrupted by a signal.
                let n = posixWrite(fd, pointer, remaining)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TensorIOError(url, "cannot write: \(lastErrno())")
                }
                remaining -= n
                pointer += n
                bytesWritten += n
            }
        }
    }
}

@inline(__always) private func posixWrite(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, pointer, count)
    #else
    return Darwin.write(fd, pointer, count)
    #endif
}

private func lastErrno() -> String { String(cString: strerror(errno)) }
