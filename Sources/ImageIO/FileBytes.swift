import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads on POSIX calls, so that failures carry the system's own reason (`No such file or directory`,
/// `Is a directory`, ...). Writes go through TensorIO's `AtomicFile`, the project's one atomic writer.
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
}

// Inside `FileBytes` its own `read` shadows the C function; this file-scope wrapper reaches the C call.
@inline(__always)
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
