import Foundation
import TensorIO
#if canImport(Glibc)
import Glibc
#endif

/// The one lock of an output folder: an advisory `flock` on `DIR/.gradstyle.lock`, held for as long as a run writes
/// there, so two runs into one folder (two `data synth` with different seeds, two `train`, a `--resume` while the
/// first run still trains) cannot interleave: the second fails at once with a clear message.
///
/// Taking the lock also removes what an interrupted run left behind in the folder — hidden staging folders and
/// atomic-write temporaries — since with the lock held no other run can own them.
///
/// Within one process the lock is re-entrant (a job holding it may call a library function that takes it again);
/// it is released (and its file removed) when the last holder is gone, and by the kernel when the process ends,
/// however it ends (a killed run leaves the file, unlocked; the next run takes it).
public final class OutputLock {
    public static let fileName = ".gradstyle.lock"

    public let directory: URL
    /// Whether taking the lock created `directory`.
    public let createdDirectory: Bool
    private let key: String

    /// Creates `directory` when missing and locks it; throws "DIR: in use by another gradstyle run …" when another
    /// process holds it.
    public init(_ directory: URL) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw TensorIOError(directory, "exists and is not a folder") }
            createdDirectory = false
        } else {
            do {
                try fm.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw TensorIOError(directory, "cannot create the output folder (\(error.localizedDescription))")
            }
            createdDirectory = true
        }
        self.directory = directory
        key = directory.resolvingSymlinksInPath().standardizedFileURL.path
        try Self.registry.acquire(key, directory: directory)
    }

    deinit { Self.registry.release(key) }

    /// Names of what interrupted runs leave: staging folders and `AtomicFile` temporaries (`.NAME.tmp-PID-N`).
    static func isLeftover(_ name: String) -> Bool {
        name.hasPrefix(StagingFolder.namePrefix) || (name.hasPrefix(".") && name.contains(".tmp-"))
    }

    // MARK: Process-wide state

    private static let registry = Registry()

    /// Open lock files by folder, with how many holders each has in this process.
    private final class Registry: @unchecked Sendable {
        private let mutex = NSLock()
        private var held: [String: (fd: Int32, count: Int, path: String)] = [:]

        func acquire(_ key: String, directory: URL) throws {
            mutex.lock()
            defer { mutex.unlock() }
            if let entry = held[key] {
                held[key] = (entry.fd, entry.count + 1, entry.path)
                return
            }
            let lockPath = directory.appendingPathComponent(OutputLock.fileName).path
            // The holder removes the lock file when it is done; a run that opened the old file just before then
            // would lock a file no longer in the folder, so after locking, check that the file is still the one at
            // the path, and start over if not.
            var fd: Int32 = -1
            for _ in 0..<100 {
                fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
                guard fd >= 0 else {
                    throw TensorIOError(directory, "cannot create the lock file \(OutputLock.fileName): \(String(cString: strerror(errno)))")
                }
                if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                    let owner = Self.readOwner(fd)
                    close(fd)
                    throw TensorIOError(directory, "in use by another gradstyle run\(owner.map { " (pid \($0))" } ?? ""); "
                                        + "wait for it to finish or choose another output folder")
                }
                var opened = stat(), current = stat()
                if fstat(fd, &opened) == 0, stat(lockPath, &current) == 0,
                   opened.st_ino == current.st_ino, opened.st_dev == current.st_dev {
                    break
                }
                close(fd)
                fd = -1
            }
            guard fd >= 0 else { throw TensorIOError(directory, "cannot lock the output folder") }
            // Say who holds it, for the message a second run prints.
            let pid = Data("\(getpid())\n".utf8)
            _ = ftruncate(fd, 0)
            _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            held[key] = (fd, 1, lockPath)
            InterruptCleanup.register(URL(fileURLWithPath: lockPath))
            OutputLock.removeLeftovers(in: directory)
        }

        func release(_ key: String) {
            mutex.lock()
            defer { mutex.unlock() }
            guard let entry = held[key] else { return }
            if entry.count > 1 {
                held[key] = (entry.fd, entry.count - 1, entry.path)
            } else {
                // Remove the file while still holding it (see `acquire`), then release the flock by closing.
                InterruptCleanup.unregister(URL(fileURLWithPath: entry.path))
                unlink(entry.path)
                close(entry.fd)
                held[key] = nil
            }
        }

        private static func readOwner(_ fd: Int32) -> Int? {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return nil }
            return Int(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private static func removeLeftovers(in directory: URL) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: directory.path)) ?? [] where isLeftover(name) {
            try? fm.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}
