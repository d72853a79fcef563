import Foundation
import Models
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// `train gradstyle --merge-into`: the published bundle carries every other network of the given bundle — GradStyle's
/// and HFGI's, with their metadata — and a bundle on another inversion model is refused before training.
final class MergeIntoTrainingTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("merge-into-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A bundle on `inversion` with a `single_stage` network and stand-ins for HFGI's two networks and metadata.
    func otherBundle(on inversion: InversionModel, name: String) throws -> URL {
        let single = try GradStyleNetwork(try GradStyleModel.makeConfig(.singleStage(stage: 8), encoder: inversion.encoder,
                                                                          generator: inversion.generator))
        var (tensors, metadata) = try GradStyleBundle.fileContents(inversion: inversion, networks: ["single_stage": single.eval()],
                                                                   extraMetadata: ["gradstyle.single_stage.trained_steps": "5"])
        tensors["residue.conv.weight"] = HostTensor(float32: [1, 2, 3, 4], shape: [2, 2])
        tensors["grid_align.conv.weight"] = HostTensor(float32: [5, 6], shape: [2])
        metadata["hfgi.config"] = "{}"
        metadata["hfgi.batch_norm_statistics"] = "256"
        metadata["hfgi.trained_steps"] = "7"
        let url = dir.appendingPathComponent(name)
        try SafeTensors.write(tensors, metadata: metadata, to: url)
        return url
    }

    func job(encoder: URL, data: URL, out: String, mergeInto: URL) -> GradStyleTrainingJob {
        var job = DistributedTrainingTests.gradStyleJob(encoder: encoder.path, data: data.path,
                                                        out: dir.appendingPathComponent(out).path, batch: 2, environment: nil)
        job.mergeInto = mergeInto
        return job
    }

    func testPublishedBundleCarriesEveryOtherNetworkAndRefusesAnotherInversionModel() throws {
        let (_, inversion) = try makeTinyGradStyle(seed: 7)
        let encoder = dir.appendingPathComponent("e4e.safetensors")
        try inversion.save(to: encoder)
        let data = dir.appendingPathComponent("faces")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try ClassifierTrainingTests.writeFaces(count: 4, size: 64, to: data)
        let other = try otherBundle(on: inversion, name: "other.safetensors")

        try job(encoder: encoder, data: data, out: "run", mergeInto: other).run()
        let published = try BundleContents.read(dir.appendingPathComponent("run/model.safetensors"))
        let given = try BundleContents.read(other)
        XCTAssertEqual(published.networks, ["gradstyle", "hfgi", "single_stage"])
        // The other bundle's networks byte for byte, and their metadata; this run's network with its own step count.
        for name in given.tensors.names where !BundleNetworks.isShared(name) {
            XCTAssertEqual(published.tensors[name], given.tensors[name], name)
        }
        for key in ["hfgi.config", "hfgi.batch_norm_statistics", "hfgi.trained_steps", "single_stage.config",
                    "gradstyle.single_stage.trained_steps"] {
            XCTAssertEqual(published.metadata[key], given.metadata[key], key)
        }
        XCTAssertEqual(published.metadata["gradstyle.gradstyle.trained_steps"], "2")
        XCTAssertTrue(published.tensors.names.contains { $0.hasPrefix("gradstyle.") })

        // A bundle whose encoder and generator are another model's: refused before any training.
        let (_, stranger) = try makeTinyGradStyle(seed: 8)
        let foreign = try otherBundle(on: stranger, name: "foreign.safetensors")
        XCTAssertThrowsError(try job(encoder: encoder, data: data, out: "refused", mergeInto: foreign).run()) {
            XCTAssertTrue("\($0)".contains("foreign.safetensors") && "\($0)".contains("differ"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("refused/model.safetensors").path))
    }
}
