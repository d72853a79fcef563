import Foundation
import XCTest
@testable import Models
import NN
import TensorIO
import Torch

/// pSp / e4e encoders against the official Python code run by real PyTorch (Fixtures/README.md), loaded from the
/// checkpoint layouts pSp / e4e write.
final class EncoderReferenceTests: XCTestCase {
    func load(_ name: String) throws -> FPNStyleEncoder {
        let (encoder, weights) = try EncoderCheckpoint.load(fixture(name))
        XCTAssertEqual(weights.layout, "pSp/e4e")
        return encoder.eval()
    }

    func testInferredTinyConfiguration() throws {
        let encoder = try load("psp_tiny64.pt")
        let c = encoder.config
        XCTAssertEqual(c.type, .psp)
        XCTAssertEqual(c.backbone.units, [1, 2, 2, 1])
        XCTAssertEqual(c.backbone.widths, [4, 8, 12, 16])
        XCTAssertEqual(c.backbone.mode, .irSE)
        XCTAssertEqual(c.backbone.seReduction, 4)
        XCTAssertEqual(c.inputSize, 64)
        XCTAssertEqual(c.styleCount, 8)
        XCTAssertEqual(c.styleDim, 8)
        XCTAssertEqual([c.coarseIndex, c.middleIndex], [3, 7])
        XCTAssertTrue(c.startFromLatentAvg)
        XCTAssertEqual(try load("e4e_tiny64.pt").config.type, .e4e)
    }

    func testPSpMatchesReference() throws {
        let encoder = try load("psp_tiny64.pt")
        let out = withInferenceMode { encoder.encode(try! loadNPY("enc64_x.npy")) }
        XCTAssertLessThan(maxAbsDiff(out.codes, try loadNPY("psp64_codes.npy")), 1e-5)
        XCTAssertLessThan(maxAbsDiff(out.pyramid.c3, try loadNPY("psp64_c3.npy")), 1e-5)
        XCTAssertLessThan(maxAbsDiff(out.pyramid.p1, try loadNPY("psp64_p1.npy")), 1e-5)
    }

    func testE4EMatchesReferenceAtEveryStage() throws {
        let e4e = try XCTUnwrap(try load("e4e_tiny64.pt") as? Encoder4Editing)
        let x = try loadNPY("enc64_x.npy")
        XCTAssertEqual(e4e.progressiveStage, .inference)
        XCTAssertLessThan(maxAbsDiff(withInferenceMode { e4e(x) }, try loadNPY("e4e64_codes.npy")), 1e-5)
        e4e.progressiveStage = .delta(4)
        XCTAssertLessThan(maxAbsDiff(withInferenceMode { e4e(x) }, try loadNPY("e4e64_codes_stage4.npy")), 1e-5)
        e4e.progressiveStage = .wTraining
        XCTAssertLessThan(maxAbsDiff(withInferenceMode { e4e(x) }, try loadNPY("e4e64_codes_stage0.npy")), 1e-5)
    }

    func testE4ETrainingModeMatchesReference() throws {
        // Batch statistics in the forward pass and the running statistics they update.
        let e4e = try load("e4e_tiny64.pt").train()
        let codes = withNoGrad { e4e(try! loadNPY("enc64_x.npy")) }
        XCTAssertLessThan(maxAbsDiff(codes, try loadNPY("e4e64_codes_train.npy")), 1e-5)
        let bn = try XCTUnwrap(e4e.tensor(at: "body.3.res_layer.4.running_mean"))
        XCTAssertLessThan(maxAbsDiff(bn, try loadNPY("e4e64_running_mean_after.npy")), 1e-6)
    }

    func testCompleteE4ECheckpointInverts() throws {
        // {state_dict: {encoder.*, decoder.*}, latent_avg (n_latent × 512), opts} as e4e's coach saves it.
        let model = try InversionModel.load(fixture("e4e_g16.pt"))
        XCTAssertEqual(model.encoderConfig.type, .e4e)
        XCTAssertEqual(model.layout, "e4e .pt (Encoder4Editing)")
        XCTAssertEqual(model.generator.size, 16)
        XCTAssertEqual(model.latentAverage?.shape, [6, 16])
        XCTAssertEqual(model.generator.latentAverage?.shape, [1, 16], "truncation centre is one W")
        model.eval()
        let x = try loadNPY("e4e_g16_x.npy")
        let (latents, images) = withInferenceMode { model.invert(x) }
        XCTAssertLessThan(maxAbsDiff(latents, try loadNPY("e4e_g16_latents.npy")), 1e-5)
        XCTAssertEqual(images.shape, [2, 3, 16, 16])
        // The generator is the StyleGAN2 fixture's: the same latents give the same image as loading it alone.
        let g = try GeneratorCheckpoint.load(fixture("rosinality_g16.pt")).generator
        XCTAssertLessThan(maxAbsDiff(images, withInferenceMode { g.synthesis(latents) }), 1e-6)
    }

    func testInversionModelSafetensorsRoundTrip() throws {
        let model = try InversionModel.load(fixture("e4e_g16.pt")).eval()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("enc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        try model.save(to: url)
        let file = try CheckpointFile(url)
        XCTAssertEqual(file.metadata[InversionModel.formatKey], InversionModel.formatValue)
        XCTAssertNotNil(file.metadata[EncoderCheckpoint.configKey])
        XCTAssertNotNil(file.metadata[GeneratorCheckpoint.configKey])
        let back = try InversionModel.load(url).eval()
        XCTAssertEqual(back.layout, "gradstyle")
        XCTAssertEqual(back.encoderConfig, model.encoderConfig)
        XCTAssertEqual(back.generator.config, model.generator.config)
        let x = try loadNPY("e4e_g16_x.npy")
        let a = withInferenceMode { model.invert(x) }, b = withInferenceMode { back.invert(x) }
        XCTAssertEqual(a.latents.floats(), b.latents.floats())
        XCTAssertEqual(a.images.floats(), b.images.floats())
        // The generator alone loads from the same file.
        XCTAssertEqual(try GeneratorCheckpoint.load(url).generator.config, model.generator.config)
    }

    func testTypeOverrideAndMissingOpts() throws {
        // A bare encoder state dict has no opts: the caller must say pSp or e4e.
        let encoder = try load("e4e_tiny64.pt")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("enc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("bare.safetensors")
        var dict = StateDict()
        for (k, t) in encoder.stateDict() { dict["encoder." + k] = t.contiguous().hostTensor() }
        try SafeTensors.write(dict, to: url)
        XCTAssertThrowsError(try EncoderCheckpoint.load(url)) { error in
            XCTAssertTrue("\(error)".contains("bare.safetensors"), "\(error)")
            XCTAssertTrue("\(error)".contains("psp or e4e"), "\(error)")
        }
        let (psp, _) = try EncoderCheckpoint.load(url, type: .psp)
        XCTAssertTrue(psp is GradualStyleEncoder)
        XCTAssertThrowsError(try EncoderCheckpoint.load(fixture("e4e_tiny64.pt"), type: .psp)) { error in
            XCTAssertTrue("\(error)".contains("Encoder4Editing"), "\(error)")
        }
    }

    func testStrictLoadingNamesFileAndKeys() throws {
        let encoder = try load("psp_tiny64.pt")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("enc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A missing key and an unexpected key.
        var dict = StateDict()
        for (k, t) in encoder.stateDict() where k != "latlayer2.bias" { dict["encoder." + k] = t.contiguous().hostTensor() }
        dict["encoder.extra.weight"] = Tensor.zeros([2]).hostTensor()
        let broken = dir.appendingPathComponent("broken.safetensors")
        try SafeTensors.write(dict, metadata: [EncoderCheckpoint.configKey:
            String(decoding: try JSONEncoder().encode(encoder.config), as: UTF8.self)], to: broken)
        XCTAssertThrowsError(try EncoderCheckpoint.load(broken)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("broken.safetensors"), text)
            XCTAssertTrue(text.contains("latlayer2.bias"), text)
            XCTAssertTrue(text.contains("extra.weight"), text)
        }
        // Not a checkpoint at all.
        let junk = dir.appendingPathComponent("junk.pt")
        try Data("not a checkpoint".utf8).write(to: junk)
        XCTAssertThrowsError(try InversionModel.load(junk)) { XCTAssertTrue("\($0)".contains("junk.pt"), "\($0)") }
        // An encoder without a generator is not an inversion model.
        XCTAssertThrowsError(try InversionModel.load(fixture("psp_tiny64.pt"))) {
            XCTAssertTrue("\($0)".contains("psp_tiny64.pt"), "\($0)")
        }
    }

    func testBackboneInitialisationFromArcFace() throws {
        // pSp/e4e start a new encoder's input_layer and body from model_ir_se50.pth.
        let tiny = try load("psp_tiny64.pt").config
        let encoder = Encoder4Editing(tiny)
        let report = try EncoderCheckpoint.loadBackbone(into: encoder, from: fixture("arcface_tiny.pt"))
        XCTAssertTrue(report.shapeMismatches.isEmpty)
        XCTAssertTrue(report.loaded.allSatisfy { $0.hasPrefix("input_layer.") || $0.hasPrefix("body.") })
        XCTAssertEqual(report.loaded.count, encoder.stateDict().filter { $0.name.hasPrefix("input_layer.") || $0.name.hasPrefix("body.") }.count)
        let face = try ArcFace.load(fixture("arcface_tiny.pt"))
        XCTAssertEqual(encoder.tensor(at: "body.3.res_layer.1.weight")!.floats(), face.tensor(at: "body.3.res_layer.1.weight")!.floats())
        // A narrower backbone keeps what does not fit and says so.
        var narrow = tiny
        narrow.backbone.widths = [4, 8, 12, 20]
        let report2 = try EncoderCheckpoint.loadBackbone(into: GradualStyleEncoder(narrow), from: fixture("arcface_tiny.pt"))
        XCTAssertFalse(report2.shapeMismatches.isEmpty)
    }
}
