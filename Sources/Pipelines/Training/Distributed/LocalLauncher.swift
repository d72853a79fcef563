import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts N copies of a program on this machine as one distributed job (what `torchrun --nproc-per-node N` does,
/// for users without Python): each child gets torchrun's environment with its rank, a rendezvous on loopback and
/// the same arguments. SIGINT/SIGTERM are forwarded to every child. When a rank exits with a failure, the others
/// are stopped (SIGTERM, then SIGKILL after a grace period) and the launch fails with one line naming that rank.
public struct LocalLauncher {
    public var executable: URL
    public var arguments: [String]
    public var processes: Int
    /// The rendezvous port; nil picks a free one.
    public var port: Int?
    /// How long stopped ranks get to exit after SIGTERM before SIGKILL.
    public var grace: TimeInterval = 5
    /// Lines of the ranks' standard error that start with this are held back, not passed through; the failed
    /// rank's first one is quoted in the launch's error, so a failure reads as one line, not one per rank.
    public var errorLinePrefix: String?

    public init(executable: URL, arguments: [String], processes: Int, port: Int? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.processes = processes
        self.port = port
    }

    /// Runs the job to its end. Returns when every rank exited 0; throws `PipelineError` otherwise.
    public func run(environment base: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard processes >= 1 else { throw PipelineError("the number of processes must be at least 1 (got \(processes))") }
        let masterPort = try port ?? Self.freeLoopbackPort()
        var children: [Process] = []
        var outputs: [RankErrorOutput] = []
        let forwarded = SignalForwarder()
        defer { forwarded.stop() }
        for rank in 0..<processes {
            let place = DistributedEnvironment(rank: rank, worldSize: processes, localRank: rank,
                                               masterAddress: "127.0.0.1", masterPort: masterPort)
            let child = Process()
            child.executableURL = executable
            child.arguments = arguments
            var environment = base.merging(place.variables) { _, new in new }
            // As torchrun: N ranks sharing the cores, each with its share of intra-op threads unless told otherwise.
            if environment["OMP_NUM_THREADS"] == nil {
                environment["OMP_NUM_THREADS"] = String(max(1, ProcessInfo.processInfo.activeProcessorCount / processes))
            }
            child.environment = environment
            let output = RankErrorOutput(heldPrefix: errorLinePrefix)
            child.standardError = output.pipe
            outputs.append(output)
            do {
                try child.run()
            } catch {
                Self.stop(children, grace: grace)
                throw PipelineError("could not start rank \(rank) (\(executable.path)): \(error.localizedDescription)")
            }
            children.append(child)
            forwarded.add(child)
        }
        while true {
            if let failed = children.indices.first(where: { !children[$0].isRunning && !Self.succeeded(children[$0]) }) {
                let others = children.indices.filter { $0 != failed && children[$0].isRunning }
                Self.stop(others.map { children[$0] }, grace: grace)
                if let signal = forwarded.received {
                    throw PipelineError("stopped by signal \(signal); every rank was stopped")
                }
                let cause = outputs[failed].finish().map { ": \($0)" } ?? ""
                for o in outputs { _ = o.finish() }
                let stopped = others.isEmpty ? "no other rank was still running"
                    : "stopped the other \(others.count) rank\(others.count == 1 ? "" : "s")"
                throw PipelineError("rank \(failed) \(Self.describe(children[failed]))\(cause); \(stopped)")
            }
            if children.allSatisfy({ !$0.isRunning }) {
                for o in outputs { _ = o.finish() }
                return
            }
            usleep(20_000)
        }
    }

    static func succeeded(_ p: Process) -> Bool { p.terminationReason == .exit && p.terminationStatus == 0 }

    static func describe(_ p: Process) -> String {
        p.terminationReason == .uncaughtSignal ? "was killed by signal \(p.terminationStatus)"
            : "exited with status \(p.terminationStatus)"
    }

    /// SIGTERM, then SIGKILL to those still running after `grace`; returns once all have exited.
    static func stop(_ children: [Process], grace: TimeInterval) {
        for c in children where c.isRunning { kill(c.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while children.contains(where: \.isRunning) && Date() < deadline { usleep(20_000) }
        for c in children where c.isRunning { kill(c.processIdentifier, SIGKILL) }
        for c in children { c.waitUntilExit() }
    }

    /// A TCP port free on loopback right now (the kernel's pick for port 0).
    public static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PipelineError("cannot open a socket to pick a rendezvous port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw PipelineError("cannot bind a loopback socket to pick a rendezvous port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Forwards SIGINT and SIGTERM received by the launcher to every child, remembering the first one.
final class SignalForwarder: @unchecked Sendable {
    private let lock = NSLock()
    private var children: [Process] = []
    private var sources: [DispatchSourceSignal] = []
    private var first: Int32?

    init() {
        for s in [SIGINT, SIGTERM] {
            signal(s, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler { [weak self] in self?.forward(s) }
            source.resume()
            sources.append(source)
        }
    }

    var received: Int32? { lock.lock(); defer { lock.unlock() }; return first }

    func add(_ child: Process) { lock.lock(); children.append(child); lock.unlock() }

    private func forward(_ s: Int32) {
        lock.lock()
        if first == nil { first = s }
        let targets = children
        lock.unlock()
        for c in targets where c.isRunning { kill(c.processIdentifier, s) }
    }

    func stop() {
        for s in sources { s.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// A rank's standard error passed through line by line, except the lines starting with `heldPrefix`, kept (the
/// first one) for the launcher's own message.
final class RankErrorOutput: @unchecked Sendable {
    let pipe = Pipe()
    private let heldPrefix: String?
    private let lock = NSLock()
    private var pending = Data()
    private var held: String?
    private var finished = false

    init(heldPrefix: String?) {
        self.heldPrefix = heldPrefix
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.take(data, final: data.isEmpty)
        }
    }

    private func take(_ data: Data, final: Bool) {
        lock.lock()
        defer { lock.unlock() }
        pending.append(data)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            emit(pending[pending.startIndex...newline])
            pending.removeSubrange(pending.startIndex...newline)
        }
        if final, !pending.isEmpty {
            emit(pending + Data("\n".utf8))
            pending.removeAll()
        }
    }

    private func emit(_ line: Data) {
        let text = String(decoding: line, as: UTF8.self)
        if let heldPrefix, text.hasPrefix(heldPrefix) {
            if held == nil {
                held = String(text.dropFirst(heldPrefix.count)).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        } else {
            FileHandle.standardError.write(line)
        }
    }

    /// After the rank exited: drains what is left and returns the held line, if any.
    func finish() -> String? {
        lock.lock()
        let done = finished
        finished = true
        lock.unlock()
        if !done {
            pipe.fileHandleForReading.readabilityHandler = nil
            take(pipe.fileHandleForReading.readDataToEndOfFile(), final: true)
        }
        lock.lock()
        defer { lock.unlock() }
        return held
    }
}
