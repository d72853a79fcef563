import Foundation
import Models
import Pipelines
import TensorIO
import Torch
import XCTest

/// `InversionMethod`: every method loads from the bundled models/default bundle, a load reads the file once (it
/// still succeeds after the file is gone from disk), the methods of one bundle share one encoder, generator and mean
/// latent, and the code they start from is the encoder's codes plus the file's `latent_avg`.
final class InversionMethodTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let bundle = packageRoot.appendingPathComponent("models/default/model.safetensors")
    let hfgiCheckpoint = packageRoot.appendingPathComponent("Tests/ModelsTests/Fixtures/hfgi_g64.pt")

    func images(_ n: Int, side: Int, seed: UInt64 = 4) -> Tensor {
        Torch.manualSeed(seed)
        return Tensor.rand([n, 3, side, side]) * 2 - 1
    }

    func maxDifference(_ a: Tensor, _ b: Tensor) -> Float { Float((a - b).abs().max().item()) }

    /// The file's mean latent, read by key, as the n_latent × D rows the codes are offset by.
    func latentAverage(in url: URL, rows: Int) throws -> Tensor {
        let avg = Tensor(try XCTUnwrap(try CheckpointFile(url).tensor("latent_avg")))
        return avg.count == avg.shape.last! ? avg.reshape([1, avg.shape.last!]).repeat([rows, 1]) : avg
    }

    func testEveryNamedMethodLoadsFromTheBundledModel() throws {
        let e4e = try InversionMethod.load(bundle, name: .e4e)
        XCTAssertEqual(e4e.kind, .e4e)
        XCTAssertNil(e4e.gradstyle)
        XCTAssertNil(e4e.hfgi)
        for (name, prefix) in [(InversionMethod.Name.gradstyle, "gradstyle"), (.singleStage, "single_stage")] {
            let m = try InversionMethod.load(bundle, name: name)
            XCTAssertEqual(m.kind, .network(prefix: prefix))
            XCTAssertEqual(m.name, name.rawValue)
            XCTAssertEqual(m.source, bundle)
            XCTAssertFalse(m.inversion.encoder.isTraining, "loaded for inference")
            // the network is the one stored under the prefix
            let stored = try GradStyleBundle.loadNetwork(try CheckpointFile(bundle), prefix: prefix)
            XCTAssertEqual(m.gradstyle?.network.config, stored.config)
            XCTAssertEqual([m.inputSize, m.resolution, m.styleDim], [e4e.inputSize, e4e.resolution, e4e.styleDim])
        }
        // The bundle carries HFGI's networks beside its GradStyle networks (train hfgi on the bundle's e4e, merged by
        // `gradstyle bundle merge`): --method hfgi reads them; without --method the bundle keeps its own
        // default, while an HFGI checkpoint (no GradStyle network) picks hfgi.
        let hfgi = try InversionMethod.load(bundle, name: .hfgi)
        XCTAssertEqual(hfgi.kind, .hfgi)
        XCTAssertEqual([hfgi.inputSize, hfgi.resolution, hfgi.styleDim], [e4e.inputSize, e4e.resolution, e4e.styleDim])
        XCTAssertEqual(try InversionMethod.load(bundle, name: nil, fallback: .gradstyle).kind, .network(prefix: "gradstyle"))
        XCTAssertEqual(try InversionMethod.load(bundle, name: nil, fallback: .e4e).kind, .e4e)
        XCTAssertEqual(try InversionMethod.load(hfgiCheckpoint, name: nil, fallback: .gradstyle).kind, .hfgi)
        // HFGI's widths (hfgi.config) are not a GradStyle network, and eval compares all four methods
        XCTAssertEqual(GradStyleBundle.networkPrefixes(try CheckpointFile(bundle)), ["gradstyle", "single_stage"])
        XCTAssertEqual(try EvaluatedMethods(bundles: [bundle]).methods.map(\.name), ["e4e", "single-stage", "hfgi", "gradstyle"])
        // a file with no HFGI networks: one line naming the file
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("methods-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = dir.appendingPathComponent("plain.safetensors")
        try e4e.inversion.save(to: plain)
        XCTAssertThrowsError(try InversionMethod.load(plain, name: .hfgi)) {
            XCTAssertTrue("\($0)".contains("plain.safetensors") && "\($0)".contains("residue"), "\($0)")
        }
    }

    func testTheBundleIsReadOnce() throws {
        // A copy that is removed once opened: anything that opened it again would fail with "no such file".
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("methods-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("model.safetensors")
        try FileManager.default.copyItem(at: bundle, to: copy)
        let file = try CheckpointFile(copy)
        try FileManager.default.removeItem(at: copy)
        XCTAssertThrowsError(try CheckpointFile(copy)) { XCTAssertTrue("\($0)".contains("no such file"), "\($0)") }

        let methods = try InversionMethod.bundle(file, prefixes: GradStyleBundle.networkPrefixes(file))
        XCTAssertEqual(methods.map(\.name), ["e4e", "gradstyle", "single-stage"])
        for name in InversionMethod.Name.allCases where name != .hfgi {
            XCTAssertEqual(try InversionMethod.load(file, name: name).name, name.rawValue)
        }
        // one encoder, generator and mean latent for every method of the bundle
        for m in methods.dropFirst() {
            XCTAssertTrue(m.inversion === methods[0].inversion, m.name)
            XCTAssertTrue(m.gradstyle!.generator === methods[0].generator, m.name)
        }
        // and the loaded weights are the file's: the same inversions as a load from the bundled file
        let x = images(2, side: methods[0].inputSize)
        let direct = try InversionMethod.load(bundle, name: .gradstyle)
        XCTAssertEqual(methods[1].invert(x).image.floats(), direct.invert(x).image.floats())

        // HFGI's .pt (a zip) the same way
        let hfgiCopy = dir.appendingPathComponent("hfgi.pt")
        try FileManager.default.copyItem(at: hfgiCheckpoint, to: hfgiCopy)
        let hfgiFile = try CheckpointFile(hfgiCopy)
        try FileManager.default.removeItem(at: hfgiCopy)
        XCTAssertEqual(try InversionMethod.load(hfgiFile, name: .hfgi).kind, .hfgi)
    }

    func testCodeIsTheEncoderCodesPlusTheFilesMeanLatent() throws {
        let methods = try InversionMethod.bundle(try CheckpointFile(bundle), prefixes: ["gradstyle", "single_stage"])
        let x = images(3, side: methods[0].inputSize)
        let codes = withInferenceMode { methods[0].inversion.encoder.encode(x).codes }
        let expected = codes + (try latentAverage(in: bundle, rows: codes.size(1))).unsqueeze(dim: 0)
        for m in methods {
            XCTAssertLessThanOrEqual(maxDifference(m.invert(x).latent, expected), 1e-6, m.name)
        }
        XCTAssertGreaterThan(Float(try latentAverage(in: bundle, rows: codes.size(1)).abs().max().item()), 0.01, "a mean latent that matters")

        // HFGI: its e4e part's codes plus the checkpoint's latent_avg
        let hfgi = try InversionMethod.load(hfgiCheckpoint, name: .hfgi)
        let y = images(2, side: hfgi.inputSize)
        let hfgiCodes = withInferenceMode { hfgi.inversion.encoder.encode(y).codes }
        let hfgiExpected = hfgiCodes + (try latentAverage(in: hfgiCheckpoint, rows: hfgiCodes.size(1))).unsqueeze(dim: 0)
        XCTAssertLessThanOrEqual(maxDifference(hfgi.invert(y).latent, hfgiExpected), 1e-6)
    }

    func testInversionsAndEditsOfEachKind() throws {
        let methods = try InversionMethod.bundle(try CheckpointFile(bundle), prefixes: ["gradstyle"])
        let (e4e, gradstyle) = (methods[0], methods[1])
        let x = images(2, side: e4e.inputSize)
        // e4e: the generator on the code, with its stored noise; an edit is the generator on the edited code
        let rec = e4e.invert(x)
        XCTAssertEqual(rec.image.floats(), withInferenceMode { e4e.generator.synthesis(rec.latent, noise: .const) }.floats())
        XCTAssertEqual(rec.image.shape, [2, 3, e4e.resolution, e4e.resolution])
        let offset = Tensor.randn([1, 1, e4e.styleDim]) * 0.5
        XCTAssertEqual(e4e.render(rec, editedLatent: rec.latent + offset).floats(),
                       withInferenceMode { e4e.generator.synthesis(rec.latent + offset) }.floats())
        // gradstyle: the Reconstruction Stream adds its residuals to the same code; edits go through the Editing Stream
        let grec = gradstyle.invert(x)
        XCTAssertEqual(grec.latent.floats(), rec.latent.floats())
        XCTAssertEqual(grec.residuals.count, gradstyle.gradstyle!.network.config.stages.count)
        XCTAssertGreaterThan(maxDifference(grec.image, rec.image), 1e-3, "the residuals change the image")
        let edited = gradstyle.render(grec, editedLatent: grec.latent + offset)
        let expected = withInferenceMode { gradstyle.gradstyle!.edit(grec, editedLatent: grec.latent + offset).image }
        XCTAssertEqual(edited.floats(), expected.floats())
        // HFGI: the distortion map is carried as the one residual
        let hfgi = try InversionMethod.load(hfgiCheckpoint, name: .hfgi)
        let y = images(2, side: hfgi.inputSize)
        let hrec = hfgi.invert(y)
        XCTAssertEqual(hrec.residuals.count, 1)
        let (reference, residual) = withInferenceMode { hfgi.hfgi!.reconstruct(y) }
        XCTAssertEqual(hrec.residuals[0].floats(), residual.floats())
        XCTAssertEqual(hrec.image.floats(), reference.image.floats())
    }
}
