import Foundation
import ImageIO
import Models
import Pipelines
import TensorIO
import Torch
import XCTest

/// `gradstyle invert` end to end through its library function, on a tiny random e4e model.
final class InvertCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("invert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A 16² generator (6 W+ entries of width 8) and an e4e encoder for 32² inputs, saved as our inversion model.
    func makeModel() throws -> (URL, InversionModel) {
        Torch.manualSeed(7)
        let g = Generator(GeneratorConfig(size: 16, styleDim: 8, mappingLayers: 1, channels: [4: 8, 8: 8, 16: 8]))
        let backbone = try IRBackboneConfig.depth(18, widthMultiplier: 1.0 / 16, seReduction: 4)
        let encoder = Encoder4Editing(EncoderConfig(type: .e4e, generatorSize: 16, styleDim: 8, backbone: backbone,
                                                    inputSize: 32))
        let model = try InversionModel(encoder: encoder, generator: g, latentAverage: g.meanLatent(count: 64))
        let url = dir.appendingPathComponent("model.safetensors")
        try model.save(to: url)
        return (url, model.eval())
    }

    func writeImage(_ name: String, width: Int, height: Int, seed: UInt8) throws -> URL {
        let pixels = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ Int(seed) &* 11) }
        let url = dir.appendingPathComponent(name)
        try ImageFile.write(try RasterImage(width: width, height: height, channels: 3, pixels: pixels), to: url)
        return url
    }

    func files(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    func testInvertsAFolderWithLatents() throws {
        let (modelURL, model) = try makeModel()
        let images = dir.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        _ = try writeImage("images/a.png", width: 32, height: 32, seed: 1)
        _ = try writeImage("images/b.jpg", width: 48, height: 48, seed: 2)   // resized
        _ = try writeImage("images/c.png", width: 40, height: 30, seed: 3)   // center-cropped, resized
        try Data("not an image".utf8).write(to: images.appendingPathComponent("notes.txt"))  // ignored
        let out = dir.appendingPathComponent("out")
        var job = InversionJob(modelURL: modelURL, input: images, out: out)
        job.saveLatents = true
        job.batch = 2
        job.quiet = true
        let result = try job.run()
        XCTAssertEqual(result.count, 3)
        XCTAssertEqual(result.resolution, 16)
        XCTAssertEqual(files(in: out), ["a.png", "b.png", "c.png", "latents.npy", "latents.txt"])
        XCTAssertTrue(result.notes.contains { $0.contains("b.jpg") && $0.contains("resized") }, "\(result.notes)")
        XCTAssertTrue(result.notes.contains { $0.contains("c.png") && $0.contains("center-cropped") }, "\(result.notes)")
        let recon = try ImageFile.read(out.appendingPathComponent("a.png"))
        XCTAssertEqual([recon.width, recon.height], [16, 16])

        let latents = try NPY.read(out.appendingPathComponent("latents.npy"))
        XCTAssertEqual(latents.shape, [3, 6, 8])
        XCTAssertEqual(latents.scalarType, .float32)
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("latents.txt"), encoding: .utf8),
                       "a.png\nb.jpg\nc.png\n")
        // The first image needs no resizing: its latent is the model's encoder output plus latent_avg.
        let x = try ImageTensors.read(images.appendingPathComponent("a.png"))
        let expected = withInferenceMode { model.latents(x) }
        XCTAssertLessThan(Float((Tensor(latents)[0..<1] - expected).abs().max().item()), 1e-5)
        // The reconstruction is the generator's output for that latent (8-bit quantised).
        let image = withInferenceMode { model.generator.synthesis(expected) }
        let written = ImageTensors.tensor(recon)
        XCTAssertLessThan(Float((written - image.clamp(min: -1, max: 1)).abs().max().item()), 1.5 / 127.5)
    }

    func testOutputSizeAndSingleFile() throws {
        let (modelURL, _) = try makeModel()
        let image = try writeImage("face.png", width: 32, height: 32, seed: 4)
        var job = InversionJob(modelURL: modelURL, input: image, out: dir.appendingPathComponent("o"))
        job.outputSize = 32
        job.quiet = true
        let result = try job.run()
        XCTAssertEqual(result.written.map(\.lastPathComponent), ["face.png"])
        let recon = try ImageFile.read(result.written[0])
        XCTAssertEqual([recon.width, recon.height], [32, 32])
    }

    func assertFails(_ job: InversionJob, mentioning name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try job.run(), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(name), "error should name \(name): \(text)", file: file, line: line)
            XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
        }
    }

    func testBadInputsFailCleanlyWithoutPartialOutputs() throws {
        let (modelURL, _) = try makeModel()
        let out = dir.appendingPathComponent("out")
        var job = InversionJob(modelURL: modelURL, input: dir.appendingPathComponent("missing.png"), out: out)
        job.quiet = true
        assertFails(job, mentioning: "missing.png")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))

        let text = dir.appendingPathComponent("photo.png")
        try Data("hello".utf8).write(to: text)
        job.input = text
        assertFails(job, mentioning: "photo.png")

        // A folder whose second image is corrupt (a PNG signature, then garbage): found only while decoding, after
        // the first batch was already written to staging.
        let images = dir.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        _ = try writeImage("images/a.png", width: 32, height: 32, seed: 1)
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 40))
            .write(to: images.appendingPathComponent("b.png"))
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        job.input = images
        job.batch = 1
        job.saveLatents = true
        assertFails(job, mentioning: "b.png")
        XCTAssertEqual(files(in: out), [], "no partial outputs")
        // A folder holding another run's files is refused before any work, and kept as it was.
        try Data("keep".utf8).write(to: out.appendingPathComponent("existing.txt"))
        assertFails(job, mentioning: "already holds another run's files (existing.txt")
        XCTAssertEqual(files(in: out), ["existing.txt"], "nothing removed")

        // A corrupt checkpoint.
        let bad = dir.appendingPathComponent("bad.safetensors")
        try Data(repeating: 0x41, count: 64).write(to: bad)
        job = InversionJob(modelURL: bad, input: images.appendingPathComponent("a.png"), out: out)
        job.quiet = true
        assertFails(job, mentioning: "bad.safetensors")
        XCTAssertEqual(files(in: out), ["existing.txt"])
    }

    func testGradStyleMethodsNeedANetworkInTheFile() throws {
        let (modelURL, _) = try makeModel()
        let images = dir.appendingPathComponent("gs-in")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try ImageTensors.write(Tensor.zeros([1, 3, 8, 8]), to: [images.appendingPathComponent("a.png")])
        for (method, prefix) in [(InversionJob.Method.gradstyle, "gradstyle"), (.singleStage, "single_stage")] {
            var job = InversionJob(modelURL: modelURL, input: images, out: dir.appendingPathComponent("o"))
            job.method = method
            job.quiet = true
            XCTAssertThrowsError(try job.run()) { XCTAssertTrue("\($0)".contains("no '\(prefix)' GradStyle network"), "\($0)") }
        }
    }
}
