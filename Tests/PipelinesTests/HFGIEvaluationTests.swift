import Foundation
import Models
import NN
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// The evaluation protocols' `hfgi` row: an HFGI checkpoint (the official-layout random-weight fixture of the HFGI
/// parity test) beside a GradStyle bundle of the same shape.
final class HFGIEvaluationTests: XCTestCase {
    var dir: URL!
    let checkpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/hfgi_g64.pt")

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hfgi-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A bundle on HFGI's own e4e encoder and generator, with a one-stage GradStyle network.
    func makeBundle() throws -> URL {
        let inversion = try HFGIModel.load(checkpoint).inversion
        Torch.manualSeed(3)
        let network = try GradStyleNetwork(try GradStyleModel.makeConfig(.singleStage(stage: 16), encoder: inversion.encoder,
                                                                           generator: inversion.generator))
        let url = dir.appendingPathComponent("bundle.safetensors")
        try GradStyleBundle.save(inversion: inversion, networks: ["gradstyle": network.eval()], to: url)
        return url
    }

    func testHFGIRowBesideGradStyle() throws {
        let bundle = try makeBundle()
        let methods = try EvaluatedMethods(bundles: [bundle, checkpoint])
        XCTAssertEqual(methods.methods.map(\.name), ["e4e", "hfgi", "gradstyle"])
        XCTAssertEqual(methods.methods[1].sources, [checkpoint])
        let hfgi = try HFGIModel.load(checkpoint).eval()
        let x = Tensor.rand([2, 3, 32, 32]) * 2 - 1
        let rec = methods.methods[1].repeats[0].invert(x)
        let expected = withInferenceMode { hfgi.reconstruct(x) }
        XCTAssertLessThan(Float((rec.image - expected.result.image).abs().max().item()), 1e-5)
        let n = Tensor.randn([1, 1, 8])
        let edited = methods.methods[1].repeats[0].render(rec, editedLatent: rec.latent + n)
        let expectedEdit = withInferenceMode { hfgi.edit(residual: expected.residual, editedLatent: expected.result.latent + n) }
        XCTAssertLessThan(Float((edited - expectedEdit.image).abs().max().item()), 1e-5)
        // The e4e row is the bundle's code alone.
        let e4e = methods.methods[0].repeats[0].invert(x)
        XCTAssertGreaterThan(Float((e4e.image - rec.image).abs().max().item()), 1e-2)
        // The reconstruction table carries the row.
        let set = try HeldOutSet.synthetic(count: 2, seed: 5, inputSize: methods.inputSize, resolution: methods.resolution)
        var job = ReconstructionProtocol(methods: methods, set: set, metrics: ProtocolMetrics())
        job.quiet = true
        let (results, _) = try job.run()
        XCTAssertEqual(results.rows.map(\.keys), [["e4e"], ["hfgi"], ["gradstyle"]])
        // Alone, an HFGI file has nothing to be compared with.
        XCTAssertThrowsError(try EvaluatedMethods(bundles: [checkpoint])) { XCTAssertTrue("\($0)".contains("no inversion model"), "\($0)") }
    }

    func testEditingTableCarriesHFGI() throws {
        let methods = try EvaluatedMethods(bundles: [try makeBundle(), checkpoint])
        let set = try HeldOutSet.synthetic(count: 2, seed: 5, inputSize: methods.inputSize, resolution: methods.resolution)
        var library = DirectionLibrary(styleDim: methods.styleDim)
        try library.add(name: "smile", vector: Tensor.ones([1, 8]) / 4)
        Torch.manualSeed(3)
        let classifier = AttributeClassifier(AttributeClassifierConfig(size: 64, widths: [4], attributes: ["smile", "age"])).eval()
        let flat = ClosureIdentityEmbedder { $0.reshape([$0.size(0), -1]) }
        var job = EditingProtocol(methods: methods, set: set, metrics: ProtocolMetrics(identity: flat, classifier: classifier),
                                  library: library, sigma: ["smile": 0.5])
        job.strengths = [0, 1]
        job.referenceCount = 4
        job.quiet = true
        let (results, _) = try job.run()
        XCTAssertNotNil(results.row(["smile", "+1σ", "hfgi"]))
        // HFGI at 0σ is its own reconstruction (ADA sees the same image): no change at all.
        let control = results.row(["smile", "0σ", "hfgi"])!
        XCTAssertEqual(control.cells[EditingProtocol.changeColumn]!.mean, 0, accuracy: 1e-9)
    }

    func testBenchTimesHFGIInTheSameRun() throws {
        let (model, _) = try makeTinyGradStyle()
        var bench = GradStyleBenchmark(model: model, description: "tiny", batches: [1, 2], repeats: 1)
        bench.hfgi = try HFGIModel.load(checkpoint)
        let r = bench.run(convPeakGFLOPS: 100)
        let stages = GradStyleBenchmark.stageNames + [GradStyleBenchmark.hfgiStage]
        XCTAssertEqual(r.rows.map(\.stage), stages + stages)
        for row in r.rows where row.stage == GradStyleBenchmark.hfgiStage {
            XCTAssertGreaterThan(row.secondsPerBatch, 0)
            XCTAssertNil(row.gflops)
        }
        XCTAssertEqual(r.parameters["hfgi"], bench.hfgi!.residue.parameterCount + bench.hfgi!.gridAlign.parameterCount)
        // Official random-weight HFGI needs a generator with a 64² block: the tiny 16² one is refused in one line.
        XCTAssertThrowsError(try GradStyleBenchmark.officialHFGI(on: model)) { XCTAssertTrue("\($0)".contains("64²"), "\($0)") }
    }
}
