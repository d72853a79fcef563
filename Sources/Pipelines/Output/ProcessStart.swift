import Foundation
import Torch

/// What a `gradstyle` process sets up first thing in `main`, before any other thread exists.
public enum ProcessStart {
    public static func prepare() {
        // Signals a parent blocked must reach the run (and its cleanup).
        InterruptCleanup.acceptInterrupts()
        // Freed tensor memory is reused instead of being faulted in again on every pass.
        HeapRetention.retainFreedMemory()
    }
}
