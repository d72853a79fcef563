import Foundation
import Torch

/// What a `gradstyle` process sets up first thing in `main`, before any other thread exists.
public enum ProcessStart {
    public static func prepare() {
        // First: it may run the program again (libgomp reads its wait policy only as it loads).
        OpenMPWaitPolicy.restartPassiveIfNeeded()
        // Signals a parent blocked must reach the run (and its cleanup).
        InterruptCleanup.acceptInterrupts()
        // Freed tensor memory is reused instead of being faulted in again on every pass.
        HeapRetention.retainFreedMemory()
    }
}
