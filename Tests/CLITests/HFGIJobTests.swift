import Foundation
import ImageIO
import Models
import Pipelines
import TensorIO
import Torch
import XCTest

/// `invert` / `edit` with HFGI on the official-layout random-weight checkpoint of the HFGI parity test
/// (Tests/ModelsTests/Fixtures/hfgi_g64.pt, whose outputs match the public code there): the jobs write what the
/// model computes, the method is found from the file, and the CLI runs it end to end.
final class HFGIJobTests: XCTestCase {
    var dir: URL!
    let checkpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/hfgi_g64.pt")

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hfgi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("in"), withIntermediateDirectories: true)
        // Two 32² images (the encoder's input size: no resize).
        for (i, name) in ["a.png", "b.png"].enumerated() {
            let pixels = (0..<(32 * 32 * 3)).map { UInt8(truncatingIfNeeded: $0 &* (37 + 6 * i) &+ 11 * i) }
            try ImageFile.write(try RasterImage(width: 32, height: 32, channels: 3, pixels: pixels),
                                to: dir.appendingPathComponent("in/\(name)"))
        }
        // An InterFaceGAN-style direction (1 × style_dim, as HFGI's editings/interfacegan_directions/*.pt).
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("dirs"), withIntermediateDirectories: true)
        try NPY.write(HostTensor(float32: [0.5, -0.3, 0.2, 0.1, -0.6, 0.4, 0.3, -0.1], shape: [1, 8]),
                      to: dir.appendingPathComponent("dirs/smile.npy"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func input() throws -> Tensor {
        var notes: [String] = []
        return try InputImages(dir.appendingPathComponent("in")).batch(0..<2, size: 32, notes: &notes)
    }

    /// A written PNG against the model's image (8-bit quantisation: within one level).
    func assertWritten(_ url: URL, equals image: Tensor, file: StaticString = #filePath, line: UInt = #line) throws {
        let written = try ImageTensors.read(url)
        let expected = image.clamp(min: -1, max: 1)
        XCTAssertLessThanOrEqual(Float((written - expected).abs().max().item()), 2.5 / 255, url.lastPathComponent,
                                 file: file, line: line)
    }

    func testMethodIsFoundFromTheFile() throws {
        XCTAssertEqual(try InversionMethod.load(checkpoint, name: nil, fallback: .e4e).kind, .hfgi)
        XCTAssertEqual(try InversionMethod.load(checkpoint, name: .e4e).kind, .e4e)
        // inspect names the networks and their widths (the fixture's: conditions of 8 channels).
        let lines = try Inspector.inspect(checkpoint).architecture
        XCTAssertTrue(lines.contains { $0.hasPrefix("HFGI networks:") && $0.contains("8 channels at 64²") }, "\(lines)")
    }

    func testInvertWritesTheHFGIReconstruction() throws {
        let model = try HFGIModel.load(checkpoint).eval()
        let expected = withInferenceMode { model.reconstruct(try! input()).result }
        var job = InversionJob(modelURL: checkpoint, input: dir.appendingPathComponent("in"), out: dir.appendingPathComponent("out"))
        job.method = .hfgi
        job.saveLatents = true
        job.quiet = true
        let result = try job.run()
        XCTAssertEqual(result.resolution, 64)
        try assertWritten(dir.appendingPathComponent("out/a.png"), equals: expected.image.narrow(dim: 0, start: 0, length: 1))
        try assertWritten(dir.appendingPathComponent("out/b.png"), equals: expected.image.narrow(dim: 0, start: 1, length: 1))
        let latents = Tensor(try NPY.read(dir.appendingPathComponent("out/latents.npy")))
        XCTAssertLessThan(Float((latents - expected.latent).abs().max().item()), 1e-6)
        // Not the e4e image: the conditions changed it.
        let e4e = withInferenceMode { model.generator.synthesis(expected.latent) }
        XCTAssertGreaterThan(Float((e4e - expected.image).abs().max().item()), 0.05)
    }

    func testEditWritesTheHFGIEdit() throws {
        let method = try InversionMethod.load(checkpoint, name: .hfgi)
        let model = try HFGIModel.load(checkpoint).eval()
        let library = try DirectionLibrary(folder: dir.appendingPathComponent("dirs"), styleDim: 8)
        var job = EditJob(method: method, input: try InputImages(dir.appendingPathComponent("in")),
                          out: dir.appendingPathComponent("edit"), edits: [try EditRequest.parse("smile:2")],
                          directions: library)
        job.quiet = true
        _ = try job.run()
        let edit = try library.edit(named: "smile")
        let expected = withInferenceMode { () -> (HFGIResult, HFGIResult) in
            let (rec, residual) = model.reconstruct(try! input())
            return (rec, model.edit(residual: residual, editedLatent: edit.apply(rec.latent, strength: 2)))
        }
        try assertWritten(dir.appendingPathComponent("edit/a_inversion.png"), equals: expected.0.image.narrow(dim: 0, start: 0, length: 1))
        try assertWritten(dir.appendingPathComponent("edit/b_smile_+2.png"), equals: expected.1.image.narrow(dim: 0, start: 1, length: 1))
    }

    func gradstyleBinary() throws -> URL {
        let bundle = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        for dir in [bundle, bundle.deletingLastPathComponent()] {
            let url = dir.appendingPathComponent("gradstyle")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw XCTSkip("gradstyle executable not built next to \(bundle.path)")
    }

    func run(_ arguments: [String]) throws -> (status: Int32, err: String) {
        let process = Process()
        process.executableURL = try gradstyleBinary()
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        _ = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: e, as: UTF8.self))
    }

    func testCLIInvertAndEdit() throws {
        // No --method: the file's residual networks select HFGI.
        let inv = try run(["invert", "--model", checkpoint.path, "--input", dir.appendingPathComponent("in").path,
                           "--out", dir.appendingPathComponent("cli-inv").path, "--quiet"])
        XCTAssertEqual(inv.status, 0, inv.err)
        let model = try HFGIModel.load(checkpoint).eval()
        let rec = withInferenceMode { model.reconstruct(try! input()).result }
        try assertWritten(dir.appendingPathComponent("cli-inv/a.png"), equals: rec.image.narrow(dim: 0, start: 0, length: 1))
        let edit = try run(["edit", "--method", "hfgi", "--model", checkpoint.path, "--input", dir.appendingPathComponent("in").path,
                            "--out", dir.appendingPathComponent("cli-edit").path, "--directions", dir.appendingPathComponent("dirs").path,
                            "--edit", "smile:2", "--quiet"])
        XCTAssertEqual(edit.status, 0, edit.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("cli-edit/a_smile_+2.png").path))
        let bad = try run(["invert", "--method", "hfgx", "--model", checkpoint.path, "--input", dir.appendingPathComponent("in").path,
                           "--out", dir.appendingPathComponent("x").path])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("hfgi"), bad.err)
    }
}
