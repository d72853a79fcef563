import Foundation

/// Runs the editor's model work on one dedicated thread, in order, off Swift's cooperative pool (a blocking
/// libtorch call there would stall the HTTP server on a 2-core machine, so the page stays responsive).
///
/// Jobs may carry a key (one per page session): a new job with the key of a job still waiting replaces it, and
/// the replaced one fails with `.superseded` — stale slider positions are dropped, the latest one wins. Requests
/// from one page travel on several connections and can arrive out of order, so "latest" is the page's own
/// sequence number when it sends one: a job older than one already seen for its key is dropped on arrival.
public final class EditWorker: @unchecked Sendable {
    private struct Job {
        var key: String?
        var run: () -> Void
        var drop: () -> Void
    }

    private let condition = NSCondition()
    private var waiting: [Job] = []
    private var stopped = false
    private var dropped = 0
    /// The highest sequence number seen per key.
    private var newest: [String: Int] = [:]

    /// Jobs replaced before they ran (for tests and the log).
    public var droppedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return dropped
    }

    public init(name: String = "gradstyle-serve-worker") {
        // The thread holds the worker until `stop()`.
        let thread = Thread { self.loop() }
        thread.name = name
        thread.start()
    }

    /// Jobs waiting to run.
    public var waitingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return waiting.count
    }

    /// Stops the thread after the running job; waiting jobs fail with `.superseded`.
    public func stop() {
        condition.lock()
        stopped = true
        let left = waiting
        waiting = []
        condition.signal()
        condition.unlock()
        for job in left { job.drop() }
    }

    /// Runs `work` on the worker thread and returns its result; with `key`, a later job of the same key (a higher
    /// `sequence`, or without one a later arrival) that comes while this one waits replaces it.
    public func submit<T>(key: String? = nil, sequence: Int? = nil, _ work: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let job = Job(key: key,
                          run: { continuation.resume(with: Result { try work() }) },
                          drop: { continuation.resume(throwing: EditorError(.superseded, "superseded by a newer edit from the same page")) })
            condition.lock()
            if stopped {
                condition.unlock()
                job.drop()
                return
            }
            if let key, let sequence {
                if let seen = newest[key], sequence <= seen {
                    dropped += 1
                    condition.unlock()
                    job.drop()
                    return
                }
                newest[key] = sequence
            }
            var replaced: Job? = nil
            if let key, let i = waiting.firstIndex(where: { $0.key == key }) {
                replaced = waiting[i]
                waiting[i] = job
                dropped += 1
            } else {
                waiting.append(job)
            }
            condition.signal()
            condition.unlock()
            replaced?.drop()
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while waiting.isEmpty && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            let job = waiting.removeFirst()
            condition.unlock()
            job.run()
        }
    }
}
