import Foundation
import Models
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// The demo on a reduced count with a tiny bundle: every section of the report is produced.
final class DemoJobTests: XCTestCase {
    func testDemoWritesEverySection() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("directions"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (model, inversion) = try makeTinyGradStyle()
        let single = try GradStyleNetwork(try GradStyleModel.makeConfig(.singleStage(stage: 16), encoder: inversion.encoder,
                                                                          generator: inversion.generator))
        for f in model.network.fusions { f.alpha.detach().fill_(0.5) }
        let url = dir.appendingPathComponent("model.safetensors")
        try GradStyleBundle.save(inversion: inversion, networks: ["gradstyle": model.network.eval(), "single_stage": single.eval()], to: url)
        try NPY.write((Tensor.ones([1, 16]) / 4).hostTensor(), to: dir.appendingPathComponent("directions/smile.npy"))
        try Data(#"{"projection_std": 0.5}"#.utf8).write(to: dir.appendingPathComponent("directions/smile.json"))

        var job = DemoJob(modelURL: url, out: dir.appendingPathComponent("out"))
        job.count = 2
        job.quiet = true
        let report = try job.run()
        XCTAssertEqual(report.reconstruction.map(\.method), ["e4e", "single-stage", "gradstyle"])
        XCTAssertTrue(report.reconstruction.allSatisfy { $0.psnr.isFinite && $0.facePSNR != nil })
        XCTAssertEqual(report.edits.map(\.strength), [-1, 1], "± two standard deviations")
        XCTAssertEqual(report.edits.first?.region, "mouth")
        XCTAssertEqual(Set(report.edits[0].keptPSNR.keys), ["e4e", "single-stage", "gradstyle"])
        // with α = 0.5 the residual streams change the output: GradStyle differs from e4e
        XCTAssertNotEqual(report.reconstruction[0].mse, report.reconstruction[2].mse)
        let html = try String(contentsOf: dir.appendingPathComponent("out/index.html"), encoding: .utf8)
        for section in ["<h2>Reconstruction</h2>", "<h2>Edits</h2>", "<h2>Sweep: smile</h2>", "<h2>Notes</h2>"] {
            XCTAssertTrue(html.contains(section), section)
        }
        for file in ["reconstruction.png", "edits.png", "sweep_smile.png", "report.json", "inputs/00.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/\(file)").path), file)
        }
        // a file without a GradStyle network is refused with a clear error, nothing half-written
        let plain = dir.appendingPathComponent("plain.safetensors")
        try inversion.save(to: plain)
        var bad = DemoJob(modelURL: plain, out: dir.appendingPathComponent("bad"))
        bad.quiet = true
        XCTAssertThrowsError(try bad.run()) { XCTAssertTrue("\($0)".contains("no GradStyle network"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad").path))
    }
}
