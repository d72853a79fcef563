import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ImageIO
import XCTest

/// `gradstyle serve` through the built binary: a missing model is one clear line and a non-zero exit; a running
/// server announces its address, and SIGTERM deletes its uploads (nothing left in its temporary directory).
final class ServeCommandTests: XCTestCase {
    typealias F = ServingFixture

    /// `.build/debug/gradstyle` (what `swift build --build-tests` builds), or GRADSTYLE_BIN.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["GRADSTYLE_BIN"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return F.root.appendingPathComponent(".build/debug/gradstyle")
    }

    private func start(_ arguments: [String], tmp: URL? = nil) throws -> (Process, Pipe, Pipe) {
        guard FileManager.default.isExecutableFile(atPath: Self.binary.path) else {
            XCTFail("no gradstyle binary at \(Self.binary.path): build it with `swift build --build-tests` (as `make test` does)")
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process(), out = Pipe(), err = Pipe()
        process.executableURL = Self.binary
        process.arguments = ["serve"] + arguments
        if let tmp {
            var environment = ProcessInfo.processInfo.environment
            environment["TMPDIR"] = tmp.path
            process.environment = environment
        }
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    func testMissingModelIsOneClearLine() throws {
        let (process, _, err) = try start(["--model", "/nonexistent/model.safetensors", "--port", "0"])
        process.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertNotEqual(process.terminationStatus, 0)
        XCTAssertTrue(message.hasPrefix("Error: --model /nonexistent/model.safetensors: no such file or folder"), message)
    }

    func testBadHostIsRefused() throws {
        let (process, _, err) = try start(["--model", F.model.path, "--host", "example.com", "--port", "0"])
        process.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertNotEqual(process.terminationStatus, 0)
        XCTAssertTrue(message.contains("--host example.com: not an IPv4 or IPv6 address"), message)
    }

    func testSigtermDeletesUploads() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("gradstyle-serve-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let (process, out, _) = try start(["--model", F.model.path, "--port", "0"], tmp: tmp)
        defer { if process.isRunning { process.terminate() } }
        // The first line names the address (loopback by default).
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        let address = try XCTUnwrap(text.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }, text)
        let base = try XCTUnwrap(URL(string: String(address)))
        let image = try ImageCodec.encode(RasterImage(width: 64, height: 64, channels: 3, fill: 90), as: .png)
        let upload = try F.blocking { try await F.request(base, "POST", "/api/images", body: image) }
        XCTAssertEqual(upload.status, 200, upload.error)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty, "the upload was not kept in TMPDIR")
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path), [], "the server left files behind")
    }
}

extension ServeCommandTests {
    /// `serve --bench-edits N` times N slider edits over HTTP and prints one line (the `bench` figure).
    func testBenchEditsPrintsLatency() throws {
        let (process, out, _) = try start(["--model", F.model.path, "--bench-edits", "3", "--quiet"])
        process.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.hasPrefix("serve: slider→image over HTTP, 3 edits: median "), text)
        // The round trip includes the server's own time.
        let numbers = text.split(whereSeparator: { !"0123456789.".contains($0) }).compactMap { Double($0) }.filter { $0 != 3 }
        XCTAssertEqual(numbers.count, 3, text)
        XCTAssertGreaterThanOrEqual(numbers[0], numbers[2], text)
    }

    func testBenchServeMeasuresTheSameWay() throws {
        let binary = Self.binary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { return XCTFail("no gradstyle binary at \(binary.path)") }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["bench", "serve", "--model", F.model.path, "--repeats", "2"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.hasPrefix("serve: slider→image over HTTP, 2 edits: median "), text)
    }
}
