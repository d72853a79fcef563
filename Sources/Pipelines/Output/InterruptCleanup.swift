import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Removes registered paths (staging folders of running jobs) when the process is interrupted by SIGINT or SIGTERM,
/// then lets the signal end the process as it would have: an interrupted multi-file job leaves no partial output.
///
/// A signal handler may only do async-signal-safe work, so it just writes the signal number to a pipe; a thread
/// waiting on the pipe does the removal and re-raises the signal with its default action.
public enum InterruptCleanup {
    /// Removes `url` (recursively) if the process is interrupted before `unregister(url)`.
    public static func register(_ url: URL) {
        state.mutex.lock()
        state.paths.insert(url.path)
        state.mutex.unlock()
        installOnce()
    }

    public static func unregister(_ url: URL) {
        state.mutex.lock()
        state.paths.remove(url.path)
        state.emptyFolders.remove(url.path)
        state.mutex.unlock()
    }

    /// Removes the folder `url` if the process is interrupted and it is then empty (an output folder a job made).
    public static func registerIfEmpty(_ url: URL) {
        state.mutex.lock()
        state.emptyFolders.insert(url.path)
        state.mutex.unlock()
        installOnce()
    }

    /// Runs `body` (the renames that publish staged files) whole: an interrupt that arrives meanwhile is acted on
    /// after it, so a run is published entirely or not at all, never half-moved into place.
    public static func publishing<T>(_ body: () throws -> T) rethrows -> T {
        state.publishing.lock()
        defer { state.publishing.unlock() }
        return try body()
    }

    /// If an interrupt has arrived, waits for its cleanup to end the process by the signal, and never returns.
    /// Call it before exiting on an error: a job whose staging folder the cleanup is removing fails meanwhile (a
    /// write or rename finds the folder gone), and must not end with that failure's message and status instead.
    public static func yieldToInterrupt() {
        guard interruptReceived != 0 else { return }
        while true { sleep(1) }
    }

    /// Unblocks SIGINT and SIGTERM in the calling thread, and so in every thread it starts later. A process inherits
    /// its parent's blocked signals (Foundation's `Process` started from a Dispatch worker thread passes on a mask
    /// with both blocked), and with them blocked `kill` neither ends the run nor reaches the cleanup: it would work
    /// on, unstoppable but by SIGKILL. Call it first thing in `main`, before any other thread exists.
    public static func acceptInterrupts() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    private final class State: @unchecked Sendable {
        let mutex = NSLock()
        var paths: Set<String> = []
        var emptyFolders: Set<String> = []
        var installed = false
        /// Held while staged files are moved into place; the cleanup waits for it (and never gives it back).
        let publishing = NSLock()
    }
    private static let state = State()

    private static func installOnce() {
        state.mutex.lock()
        defer { state.mutex.unlock() }
        guard !state.installed else { return }
        state.installed = true
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        interruptPipeWriteEnd = fds[1]
        let readEnd = fds[0]
        let thread = Thread {
            var signalNumber: Int32 = 0
            while read(readEnd, &signalNumber, MemoryLayout<Int32>.size) < 0 && errno == EINTR {}
            state.publishing.lock()
            state.mutex.lock()
            let paths = state.paths, folders = state.emptyFolders
            state.mutex.unlock()
            // Other threads may still be writing into a staging folder while it is removed (a removal that meets a
            // new file fails); their writes fail once the folder is gone, so a few tries suffice.
            let fm = FileManager.default
            for path in paths {
                for _ in 0..<100 where fm.fileExists(atPath: path) {
                    try? fm.removeItem(atPath: path)
                    if fm.fileExists(atPath: path) { usleep(5_000) }
                }
            }
            for path in folders { rmdir(path) }  // only succeeds when empty
            signal(signalNumber, SIG_DFL)
            raise(signalNumber)
        }
        thread.start()
        // A signal ignored when the process started stays ignored, as POSIX programs do: a non-interactive shell
        // starts background jobs with SIGINT ignored so that Ctrl-C stops only the foreground one.
        for s in [SIGINT, SIGTERM] where !ignoredSinceStart(s) {
            signal(s, { number in
                interruptReceived = 1
                var n = number
                _ = write(interruptPipeWriteEnd, &n, MemoryLayout<Int32>.size)
            })
        }
    }
}

/// Whether signal `s` is set to be ignored (read before this process installs any handler for it).
private func ignoredSinceStart(_ s: Int32) -> Bool {
    var current = sigaction()
    guard sigaction(s, nil, &current) == 0 else { return false }
    return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
}

/// Where the signal handler writes (a C function pointer cannot capture context).
private nonisolated(unsafe) var interruptPipeWriteEnd: Int32 = -1
/// Set by the signal handler (an aligned word store, which is async-signal-safe) before it wakes the cleanup.
private nonisolated(unsafe) var interruptReceived: Int32 = 0
