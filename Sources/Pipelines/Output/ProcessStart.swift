import Foundation
import Torch

/// What a `gradstyle` process sets up first thing in `main`, before any other thread exists.
public enum ProcessStart {
    /// `severalThreads`: the run may use more than one intra-op thread (not asked for one, not a command that
    /// computes nothing); only then is the program started again to set OpenMP's wait policy (`OpenMPWaitPolicy`).
    public static func prepare(severalThreads: Bool = true) {
        // First: it may run the program again (libgomp reads its wait policy only as it loads).
        if severalThreads { OpenMPWaitPolicy.restartPassiveIfNeeded() }
        // Signals a parent blocked must reach the run (and its cleanup).
        InterruptCleanup.acceptInterrupts()
        // Freed tensor memory is reused instead of being faulted in again on every pass.
        HeapRetention.retainFreedMemory()
    }
}
