import Foundation
import ImageIO
import Models
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// The demo on a reduced count with a tiny bundle: every part of the page is produced, the page links only files
/// that exist, and its figures are the ones the evaluation protocols compute for the same images.
final class DemoJobTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("directions"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A bundle with GradStyle (α = 0.5, so its residual streams change the output) and the one-shot baseline, and
    /// one local direction (smile: the mouth) and one global one (yaw).
    func makeBundle() throws -> URL {
        let (model, inversion) = try makeTinyGradStyle()
        let single = try GradStyleNetwork(try GradStyleModel.makeConfig(.singleStage(stage: 16), encoder: inversion.encoder,
                                                                          generator: inversion.generator))
        for f in model.network.fusions { f.alpha.detach().fill_(0.5) }
        let url = dir.appendingPathComponent("model.safetensors")
        try GradStyleBundle.save(inversion: inversion, networks: ["gradstyle": model.network.eval(), "single_stage": single.eval()], to: url)
        try NPY.write((Tensor.ones([1, 16]) / 4).hostTensor(), to: dir.appendingPathComponent("directions/smile.npy"))
        try Data(#"{"projection_std": 0.5}"#.utf8).write(to: dir.appendingPathComponent("directions/smile.json"))
        try NPY.write(HostTensor(float32: (0..<16).map { Float($0 % 3) - 1 }, shape: [1, 16]), to: dir.appendingPathComponent("directions/yaw.npy"))
        return url
    }

    /// Every src="…" of the page.
    static func links(_ html: String) -> [String] {
        html.components(separatedBy: "src=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    func testPageShowsTheProtocolsFiguresAndLinksOnlyFilesThatExist() throws {
        let url = try makeBundle()
        let out = dir.appendingPathComponent("out")
        var job = DemoJob(modelURL: url, out: out)
        job.count = 3
        job.shown = 2
        job.quiet = true
        let report = try job.run()
        XCTAssertEqual(report.methods, ["e4e", "single-stage", "gradstyle"])
        XCTAssertEqual(report.sweep, [-2, -1, 0, 1, 2], "−2σ … +2σ in 5 steps")
        XCTAssertEqual(report.sigma, ["smile": 0.5, "yaw": 1])
        // with α = 0.5 the residual streams change the output: GradStyle differs from e4e
        XCTAssertNotEqual(report.reconstruction[0].mse, report.reconstruction[2].mse)

        // Every linked file exists, and every tile the page is made of is linked.
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        let links = DemoJobTests.links(html)
        for link in Set(links) {
            XCTAssertFalse(link.contains("/") || link.hasPrefix("."), "relative file beside the page: \(link)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(link).path), link)
        }
        let page = DemoPage(report: report, shown: 2)
        for column in ["source"] + report.methods {
            for i in 0..<3 { XCTAssertTrue(links.contains(page.reconstructionTile(image: i, column: column)), "\(column) \(i)") }
        }
        for edit in ["smile", "yaw"] {
            for method in report.methods {
                for s in report.sweep {
                    for i in 0..<2 { XCTAssertTrue(links.contains(page.editTile(edit, method: method, sigmas: s, image: i)), "\(edit) \(method) \(s) \(i)") }
                }
            }
        }
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path)
        XCTAssertEqual(written.filter { $0.hasSuffix(".png") }.count, 3 * 4 + 2 * 3 * 5 * 2, "one file per tile, none stray")
        XCTAssertFalse(written.contains { $0.hasPrefix(".gradstyle-staging") })
        for section in ["<h2>Reconstruction</h2>", "<h2>Edits</h2>", "<h3>smile</h3>", "<h3>yaw</h3>", "<h2>Notes</h2>"] {
            XCTAssertTrue(html.contains(section), section)
        }

        // The same images through the protocols themselves.
        let methods = try EvaluatedMethods(bundles: [url])
        let set = try HeldOutSet.synthetic(count: 3, seed: job.seed, inputSize: methods.inputSize, resolution: methods.resolution)
        var reconstruction = ReconstructionProtocol(methods: methods, set: set, metrics: ProtocolMetrics())
        reconstruction.quiet = true
        let rec = try reconstruction.run().results
        for row in report.reconstruction {
            let cells = try XCTUnwrap(rec.row([row.method])).cells
            XCTAssertEqual(row.psnr, cells["PSNR"]!.mean, accuracy: 1e-9, row.method)
            XCTAssertEqual(row.ssim, cells["SSIM"]!.mean, accuracy: 1e-9, row.method)
            XCTAssertEqual(row.facePSNR!, cells["face PSNR"]!.mean, accuracy: 1e-9, row.method)
            let perImage = rec.imageRows.filter { $0.keys[0] == row.method }.map { $0.values["PSNR"]! }
            XCTAssertEqual(row.imagePSNR.count, 3)
            for (a, b) in zip(row.imagePSNR, perImage) { XCTAssertEqual(a, b, accuracy: 1e-9) }
            for v in perImage { XCTAssertTrue(html.contains(String(format: "PSNR %.2f dB", v)), "tile caption \(row.method) \(v)") }
            XCTAssertTrue(html.contains(String(format: "<td>%.2f</td>", cells["PSNR"]!.mean)), "table \(row.method)")
        }
        var editing = EditingProtocol(methods: methods, set: set, metrics: ProtocolMetrics(),
                                      library: try DirectionLibrary(folder: dir.appendingPathComponent("directions"), styleDim: 16),
                                      sigma: ["smile": 0.5, "yaw": 1])
        editing.quiet = true
        let edits = try editing.run().results
        for s in report.sweep {
            for method in report.methods {
                let kept = try XCTUnwrap(edits.row(["smile", EditingProtocol.label(s), method])?.cells["kept PSNR"]?.mean)
                XCTAssertEqual(try XCTUnwrap(report.edit("smile", s, method)?.keptPSNR), kept, accuracy: 1e-9, "\(method) \(s)σ")
                XCTAssertTrue(html.contains(String(format: "<td>%.2f</td>", kept)), "kept PSNR \(method) \(s)σ")
                // yaw has no region: nothing "kept" to measure
                XCTAssertNil(report.edit("yaw", s, method)?.keptPSNR)
            }
        }
        XCTAssertTrue(html.contains("outside the mouth"), "the kept figure says what it means")

        // The strips are the protocol's edited images: e4e at +2σ, first image, written as the demo writes tiles.
        let e4e = methods.methods[0].repeats[0].inversion
        let edit = try DirectionLibrary(folder: dir.appendingPathComponent("directions"), styleDim: 16).edit(named: "smile")
        let expected = withInferenceMode { e4e.generator.synthesis(edit.apply(e4e.latents(set.inputs), strength: 2 * 0.5)) }
        let tile = try ImageFile.read(out.appendingPathComponent(page.editTile("smile", method: "e4e", sigmas: 2, image: 0)))
        XCTAssertEqual(tile, try ImageTensors.rasterImages(expected[0..<1])[0])
    }

    func testWithoutDirectionsThePageHasNoEditsAndSaysSo() throws {
        let url = try makeBundle()
        var job = DemoJob(modelURL: url, out: dir.appendingPathComponent("out"))
        job.directions = dir.appendingPathComponent("none")
        job.count = 1
        job.quiet = true
        let report = try job.run()
        XCTAssertTrue(report.edits.isEmpty)
        XCTAssertTrue(report.notes.contains { $0.hasPrefix("no directions in") }, "\(report.notes)")
        let html = try String(contentsOf: dir.appendingPathComponent("out/index.html"), encoding: .utf8)
        for link in DemoJobTests.links(html) {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/\(link)").path), link)
        }
    }

    func testAFileWithoutAGradStyleNetworkIsRefusedWithNothingWritten() throws {
        let (_, inversion) = try makeTinyGradStyle()
        let plain = dir.appendingPathComponent("plain.safetensors")
        try inversion.save(to: plain)
        var bad = DemoJob(modelURL: plain, out: dir.appendingPathComponent("bad"))
        bad.quiet = true
        XCTAssertThrowsError(try bad.run()) { XCTAssertTrue("\($0)".contains("no GradStyle network"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad").path))
    }
}
