import CTorch
import Foundation

/// How freed tensor memory goes back to the system. libtorch's CPU allocator takes every tensor from malloc, and
/// glibc by default serves large blocks with fresh `mmap`s and hands freed heap tops back to the kernel, so each of
/// the thousands of same-sized activations a generator pass allocates is faulted in page by page again. At 128² the
/// demo spent a third of its CPU time in those page faults (docs/PERFORMANCE.md).
public enum HeapRetention {
    /// The glibc settings `retainFreedMemory` makes, as `mallopt` parameters (the shim's names) and the
    /// environment variables through which a user sets them instead.
    static let settings: [(parameter: Int32, environment: String, value: Int32)] = [
        // Blocks up to 32 MiB (glibc's largest threshold) come from the heap, where a freed one is reused.
        (Int32(CT_MALLOC_MMAP_THRESHOLD), "MALLOC_MMAP_THRESHOLD_", 32 << 20),
        // Free memory at the heap's top stays mapped up to 2 GiB rather than being trimmed after every pass ...
        (Int32(CT_MALLOC_TRIM_THRESHOLD), "MALLOC_TRIM_THRESHOLD_", Int32.max),
        // ... and the heap grows 256 MiB at a time instead of by each request.
        (Int32(CT_MALLOC_TOP_PAD), "MALLOC_TOP_PAD_", 256 << 20),
    ]

    /// Keeps freed memory in the process for reuse. Call once at start, before heavy allocation. A setting the user
    /// gave through glibc's own environment variables (or `GLIBC_TUNABLES`) is left as the user set it. Returns
    /// whether anything was changed (false on other C libraries).
    @discardableResult
    public static func retainFreedMemory(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard environment["GLIBC_TUNABLES"] == nil else { return false }
        var changed = false
        for s in settings where environment[s.environment] == nil {
            changed = ct_mallopt(s.parameter, s.value) == 1 || changed
        }
        return changed
    }
}
