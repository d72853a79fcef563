import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How libtorch's OpenMP threads wait between parallel regions. libgomp's default spins for a while; beside another
/// busy process that made two threads on two cores 5–15× slower than one, because each region waits for the thread
/// that shares its core with the other process. Waiting passively (sleeping) keeps one thread's speed there and
/// nearly two threads' speed on an idle machine (docs/PERFORMANCE.md), so more than one thread is the default only
/// under that policy. libgomp reads the policy once, as it loads, before `main` runs: a process that was given no
/// policy starts itself again with one.
public enum OpenMPWaitPolicy {
    static let variable = "OMP_WAIT_POLICY"

    /// The policy this process runs under, as given in the environment (nil: libgomp's default, spinning).
    public static var current: String? { ProcessInfo.processInfo.environment[variable] }

    /// Threads wait passively, so that more than one is safe beside other work.
    public static var isPassive: Bool { current?.lowercased() == "passive" }

    /// Runs this program again, same arguments and process id, with OMP_WAIT_POLICY=passive, unless the user chose a
    /// policy or spin count or only one core is available. Call first thing in `main`, before any thread exists, and
    /// only when the run may use more than one thread. Returns when no restart was needed or exec failed (the
    /// default policy then stays, and with it libtorch's default thread count).
    static func restartPassiveIfNeeded() {
        #if os(Linux)
        let environment = ProcessInfo.processInfo.environment
        guard environment[variable] == nil, environment["GOMP_SPINCOUNT"] == nil,
              ProcessInfo.processInfo.activeProcessorCount > 1 else { return }
        setenv(variable, "passive", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv(variable)
        #endif
    }
}
