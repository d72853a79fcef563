import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and atomic whole-file writes on POSIX calls, so that failures carry the system's own
/// reason (`No such file or directory`, `Is a directory`, ...) and a failed write never leaves partial output.
enum FileBytes {
    /// Largest file read: the decoded-size limit (2 GiB) plus room for container overhead. Checked from the
    /// file's size before reading, so a huge file is refused without reading it.
    static let maxFileBytes = (1 << 31) + (64 << 20)

    static func systemError(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    static func read(_ path: String) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageIOError(.fileSystem, path: path, "cannot open file (\(systemError()))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ImageIOError(.fileSystem, path: path, "cannot read file (\(systemError()))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw ImageIOError(.fileSystem, path: path, "is a directory, not an image file")
        }
        let expected = Int(info.st_size)
        if expected > maxFileBytes {
            throw ImageIOError(.tooLarge, path: path, "file is \(expected) bytes; image files over \(maxFileBytes) bytes are refused")
        }
        // Read until EOF rather than trusting st_size: pipes and special files report 0, and a file that grows
        // while we read must still stay within the limit. One spare byte lets a file of the expected size reach
        // EOF without reallocating.
        var bytes = Data(count: max(expected + 1, 64 * 1024))
        var count = 0
        while true {
            if count == bytes.count {
                guard count <= maxFileBytes else {
                    throw ImageIOError(.tooLarge, path: path, "file exceeds \(maxFileBytes) bytes")
                }
                bytes.count += min(count, maxFileBytes + 1 - count)
            }
            let got = bytes.withUnsafeMutableBytes { buffer in
                posixRead(fd, buffer.baseAddress! + count, buffer.count - count)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw ImageIOError(.fileSystem, path: path, "cannot read file (\(systemError()))")
            }
            if got == 0 { break }
            count += got
        }
        bytes.count = count
        return bytes
    }

    /// Writes `data` to a temporary file in the destination's directory, flushes it to disk and renames it
    /// over `path`. Readers see either the old file or the complete new one; on any failure the temporary file
    /// is removed and an existing destination is left untouched.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/")
            + ".\(name).\(String(UInt64.random(in: 0...UInt64.max), radix: 36)).tmp"

        // 0666 before the umask, like any ordinary file creation (mkstemp would give 0600).
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw ImageIOError(.fileSystem, path: path, "cannot create file (\(systemError()))")
        }
        var descriptor: Int32? = fd
        do {
            try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < buffer.count {
                    let wrote = posixWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if wrote < 0 {
                        if errno == EINTR { continue }
                        throw ImageIOError(.fileSystem, path: path, "cannot write file (\(systemError()))")
                    }
                    offset += wrote
                }
            }
            guard fsync(fd) == 0 else {
                throw ImageIOError(.fileSystem, path: path, "cannot flush file to disk (\(systemError()))")
            }
            descriptor = nil
            guard close(fd) == 0 else {
                throw ImageIOError(.fileSystem, path: path, "cannot write file (\(systemError()))")
            }
            guard rename(temporary, path) == 0 else {
                throw ImageIOError(.fileSystem, path: path, "cannot replace file (\(systemError()))")
            }
        } catch {
            if let open = descriptor { close(open) }
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable. Best effort: some file systems refuse fsync on directories.
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }
}

// Inside `FileBytes` its own `read` shadows the C function; these file-scope wrappers reach the C calls.
@inline(__always)
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
