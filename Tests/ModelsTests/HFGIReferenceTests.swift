import Foundation
@testable import Models
import NN
import TensorIO
import Torch
import XCTest

/// HFGI against the public code (Tengfei-Wang/HFGI run by scripts/make_hfgi_fixtures.py): an official-layout
/// checkpoint with random weights, loaded by key, reproduces inference.py's codes, ADA output, conditions and the
/// reconstructed and InterFaceGAN-edited images.
final class HFGIReferenceTests: XCTestCase {
    func loadModel() throws -> HFGIModel { try HFGIModel.load(fixture("hfgi_g64.pt")).eval() }

    func testLoadsOfficialLayoutByKey() throws {
        let model = try loadModel()
        XCTAssertTrue(HFGIModel.isHFGI(fixture("hfgi_g64.pt")))
        XCTAssertFalse(HFGIModel.isHFGI(fixture("e4e_g16.pt")))
        XCTAssertEqual(model.inversion.layout, "HFGI .pt")
        XCTAssertEqual(model.generator.size, 64)
        XCTAssertEqual(model.config.conditionChannels, 8)
        XCTAssertEqual(model.config.alignerUp[0].first, IRUnitShape(18, 8, stride: 1))
        // Every tensor of the file's state_dict is a tensor of the model under the same name.
        let file = try CheckpointFile(fixture("hfgi_g64.pt"))
        let names = Set(try file.hostTensors(under: "state_dict").names)
        XCTAssertEqual(Set(model.stateDict().map(\.0)), names)
    }

    func testInversionMatchesReference() throws {
        let model = try loadModel()
        let x = try loadNPY("hfgi_x.npy")
        let (rec, _) = withInferenceMode { model.reconstruct(x) }
        XCTAssertLessThan(maxAbsDiff(rec.latent, try loadNPY("hfgi_latents.npy")), 1e-5)
        XCTAssertLessThan(maxAbsDiff(rec.alignedResidual, try loadNPY("hfgi_rec_aligned.npy")), 1e-4)
        XCTAssertLessThan(maxAbsDiff(subsample(rec.scale), try loadNPY("hfgi_rec_scale.npy")), 1e-4)
        XCTAssertLessThan(maxAbsDiff(subsample(rec.shift), try loadNPY("hfgi_rec_shift.npy")), 1e-4)
        XCTAssertEqual(rec.image.shape, [1, 3, 64, 64])
        XCTAssertLessThan(maxAbsDiff(rec.image, try loadNPY("hfgi_rec.npy")), 1e-4)
        // The conditions matter: without them the image is the plain e4e one, far from the reference.
        let plain = withInferenceMode { model.generator.synthesis(rec.latent) }
        XCTAssertGreaterThan(maxAbsDiff(plain, try loadNPY("hfgi_rec.npy")), 1e-2)
    }

    func testInterFaceGANEditMatchesReference() throws {
        let model = try loadModel()
        let x = try loadNPY("hfgi_x.npy")
        let n = try loadNPY("hfgi_direction.npy")
        let factor = Double(try loadNPY("hfgi_factor.npy").floats()[0])
        let edit = withInferenceMode { () -> HFGIResult in
            let (rec, residual) = model.reconstruct(x)
            return model.edit(residual: residual, editedLatent: rec.latent + n.unsqueeze(dim: 0) * factor)
        }
        XCTAssertLessThan(maxAbsDiff(edit.alignedResidual, try loadNPY("hfgi_edit_aligned.npy")), 1e-4)
        XCTAssertLessThan(maxAbsDiff(subsample(edit.scale), try loadNPY("hfgi_edit_scale.npy")), 1e-4)
        XCTAssertLessThan(maxAbsDiff(subsample(edit.shift), try loadNPY("hfgi_edit_shift.npy")), 1e-4)
        XCTAssertLessThan(maxAbsDiff(edit.image, try loadNPY("hfgi_edit.npy")), 1e-4)
        // The edit changed the image (the test would not notice an edit that is dropped).
        XCTAssertGreaterThan(maxAbsDiff(edit.image, try loadNPY("hfgi_rec.npy")), 1e-2)
    }

    func testRefusesMismatchedNetworks() throws {
        // A generator whose 64² width differs from the conditions' is refused with one line naming the widths.
        let model = try loadModel()
        var config = model.config
        config.conditionChannels = 5
        XCTAssertThrowsError(try HFGIModel(inversion: model.inversion, config: config)) { error in
            XCTAssertTrue("\(error)".contains("5 channels"), "\(error)")
        }
        config = model.config
        config.alignerUp[2][2].depth = 4
        XCTAssertThrowsError(try config.validate())
        XCTAssertThrowsError(try HFGIModel.load(fixture("e4e_g16.pt"))) { error in
            XCTAssertTrue("\(error)".contains("not an HFGI model"), "\(error)")
        }
    }

    /// The fixture stores the conditions at every 8th pixel.
    func subsample(_ t: Tensor) -> Tensor {
        t.slice(dim: 2, start: 0, end: t.size(2), step: 8).slice(dim: 3, start: 0, end: t.size(3), step: 8)
    }

    func testOfficialWidthsGiveThePublicKeysAndShapes() throws {
        // keys_hfgi_official.txt lists the unpatched public modules' state dicts, in order.
        let text = try String(contentsOf: fixture("keys_hfgi_official.txt"), encoding: .utf8)
        let expected = text.split(separator: "\n").map(String.init)
        var ours: [String] = []
        var shapes: (residue: [String: [Int]], aligner: [String: [Int]]) = ([:], [:])
        for (prefix, module) in [("residue", DistortionResidualEncoder(.official) as Module), ("grid_align", DistortionAligner(.official))] {
            for (name, t) in module.stateDict() {
                ours.append("\(prefix).\(name) " + (t.shape.isEmpty ? "-" : t.shape.map(String.init).joined(separator: "x")))
                if prefix == "residue" { shapes.residue[name] = t.shape } else { shapes.aligner[name] = t.shape }
            }
        }
        XCTAssertEqual(ours.count, 400)
        XCTAssertEqual(ours, expected)
        XCTAssertEqual(try HFGIConfig.infer(residue: shapes.residue, aligner: shapes.aligner), .official)
    }
}
