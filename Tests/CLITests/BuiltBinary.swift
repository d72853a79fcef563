import Foundation
import XCTest

/// Runs the `gradstyle` executable that `swift build --build-tests` (and so `make test`) builds beside the tests:
/// `.build/debug/gradstyle` of this package, or `GRADSTYLE_BIN` when set. Exit codes, messages and files are
/// what these tests check, so they go through the real binary rather than the library.
enum BuiltBinary {
    static var url: URL {
        if let path = ProcessInfo.processInfo.environment["GRADSTYLE_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        // Tests/CLITests/BuiltBinary.swift → the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/gradstyle")
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    struct Run {
        /// The exit status, or 128 + the signal number when a signal ended the process (as a shell reports it).
        let status: Int32
        let stdout: String
        let stderr: String

        /// The first line of standard error that is not usage help.
        var errorLine: String { stderr.split(separator: "\n").first.map(String.init) ?? "" }
    }

    /// Runs the binary with `arguments` in `directory` and waits for it.
    static func run(_ arguments: [String], in directory: URL? = nil, executable: URL? = nil,
                    environment: [String: String?] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let process = try start(arguments, in: directory, executable: executable, environment: environment, file: file, line: line)
        return finish(process)
    }

    final class Started {
        let process = Process()
        let out = Pipe(), err = Pipe()
        var outData = Data(), errData = Data()
        let group = DispatchGroup()
    }

    /// Starts the binary without waiting (for interrupts and concurrent runs); `finish` collects it.
    /// `executable`: a copy of the binary elsewhere (default: `url`). `environment`: variables to set, or (nil) to
    /// remove, in the child's copy of this process's environment. The child gets OMP_WAIT_POLICY=passive unless told
    /// otherwise: the binary would otherwise start itself again to set it (`OpenMPWaitPolicy`), half a second each.
    static func start(_ arguments: [String], in directory: URL? = nil, executable: URL? = nil,
                      environment: [String: String?] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> Started {
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            XCTFail("no gradstyle binary at \(url.path): build it with `swift build --build-tests` (as `make test` does)",
                    file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        _ = interruptsRestored
        let s = Started()
        s.process.executableURL = executable ?? url
        s.process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment
        if variables["OMP_WAIT_POLICY"] == nil { variables["OMP_WAIT_POLICY"] = "passive" }
        for (name, value) in environment { variables[name] = value }
        s.process.environment = variables
        if let directory { s.process.currentDirectoryURL = directory }
        s.process.standardOutput = s.out
        s.process.standardError = s.err
        try s.process.run()
        // Drain both pipes while the process runs, so a chatty process never blocks on a full pipe.
        for (pipe, isOut) in [(s.out, true), (s.err, false)] {
            s.group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                if isOut { s.outData = data } else { s.errData = data }
                s.group.leave()
            }
        }
        return s
    }

    /// Children inherit this process's ignored signals. A shard that scripts/test starts in the background has SIGINT
    /// ignored (as has every background job of a non-interactive shell), and the binary keeps an inherited "ignore",
    /// as POSIX programs do; the interrupt tests would then wait forever. So the tests' children get SIGINT's
    /// default action (the test that wants it ignored sets that itself).
    private static let interruptsRestored: Void = { signal(SIGINT, SIG_DFL) }()

    static func finish(_ s: Started) -> Run {
        s.process.waitUntilExit()
        s.group.wait()
        let status = s.process.terminationReason == .uncaughtSignal ? 128 + s.process.terminationStatus
            : s.process.terminationStatus
        return Run(status: status, stdout: String(decoding: s.outData, as: UTF8.self),
                   stderr: String(decoding: s.errData, as: UTF8.self))
    }
}
