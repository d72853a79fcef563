import XCTest
@testable import Models
import NN
import TensorIO
import Torch

/// Outputs against the rosinality reference implementation run by real PyTorch (see Fixtures/README.md).
final class StyleGAN2ReferenceTests: XCTestCase {
    func loadReference() throws -> Generator {
        let loaded = try GeneratorCheckpoint.load(fixture("rosinality_g16.pt"))
        XCTAssertEqual(loaded.layout, "rosinality")
        XCTAssertEqual(loaded.latentAverageSource, "latent_avg")
        return loaded.generator
    }

    func testInferredConfig() throws {
        let g = try loadReference()
        XCTAssertEqual(g.config.size, 16)
        XCTAssertEqual(g.config.styleDim, 16)
        XCTAssertEqual(g.config.mappingLayers, 2)
        XCTAssertEqual(g.config.channels, [4: 16, 8: 16, 16: 16])
    }

    func testSynthesisFromW() throws {
        let g = try loadReference()
        let out = withInferenceMode { g.synthesis(try! loadNPY("g16_w.npy"), noise: .const) }
        XCTAssertLessThan(maxAbsDiff(out, try loadNPY("g16_img_w.npy")), 2e-5)
    }

    func testMappingAndGenerationFromZ() throws {
        let g = try loadReference()
        let z = try loadNPY("g16_z.npy")
        XCTAssertLessThan(maxAbsDiff(g.mapping(z), try loadNPY("g16_mapped.npy")), 1e-5)
        XCTAssertLessThan(maxAbsDiff(g.generate(z: z), try loadNPY("g16_img_z.npy")), 2e-5)
        XCTAssertLessThan(maxAbsDiff(g.generate(z: z, truncation: 0.7), try loadNPY("g16_img_trunc07.npy")), 2e-5)
    }

    func testBothModulationStrategiesMatchReference() throws {
        let g = try loadReference()
        g.modulationStrategy = .activationScaling
        XCTAssertLessThan(maxAbsDiff(g.synthesis(try loadNPY("g16_w.npy")), try loadNPY("g16_img_w.npy")), 5e-5)
    }

    func testDiscriminatorMatchesReference() throws {
        let file = try CheckpointFile(fixture("rosinality_d16.pt"))
        let tensors = try file.hostTensors(under: "d").tensors()
        let d = Discriminator(try Discriminator.inferConfig(tensors))
        try d.loadStateDict(tensors)
        let out = d(try loadNPY("d16_x.npy"))
        XCTAssertLessThan(maxAbsDiff(out, try loadNPY("d16_out.npy")), 2e-5)
    }

    func testSaveLoadRoundTripIsIdentical() throws {
        let g = try loadReference()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("g.safetensors")
        try GeneratorCheckpoint.save(g, to: url)
        let back = try GeneratorCheckpoint.load(url)
        XCTAssertEqual(back.layout, "gradstyle")
        XCTAssertEqual(back.generator.config, g.config)
        let w = try loadNPY("g16_w.npy")
        XCTAssertEqual(back.generator.synthesis(w).floats(), g.synthesis(w).floats())
        XCTAssertEqual(back.generator.latentAverage!.floats(), g.latentAverage!.floats())
    }

    func testNVIDIALayoutGivesTheSameOutput() throws {
        let g = try loadReference()
        var rosinality: [String: Tensor] = [:]
        for (n, t) in g.stateDict() { rosinality[n] = t }
        let nvidia = NVIDIANaming.fromRosinality(rosinality, config: g.config, wAverage: g.latentAverage)
        XCTAssertEqual(nvidia["synthesis.b8.conv0.weight"]!.shape, [16, 16, 3, 3])
        XCTAssertEqual(nvidia["synthesis.b4.const"]!.shape, [16, 4, 4])
        // written to disk with NVIDIA names, loaded back through the mapping
        var dict = StateDict()
        for (n, t) in nvidia { dict[n] = t.contiguous().hostTensor() }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nv-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(dict, to: url)
        let loaded = try GeneratorCheckpoint.load(url)
        XCTAssertEqual(loaded.layout, "NVIDIA stylegan2-ada")
        XCTAssertEqual(loaded.latentAverageSource, "mapping.w_avg")
        let w = try loadNPY("g16_w.npy")
        XCTAssertLessThan(maxAbsDiff(loaded.generator.synthesis(w), try loadNPY("g16_img_w.npy")), 2e-5)
    }

    func testBadCheckpointsGiveNamedErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("notes.pt")
        try Data("hello".utf8).write(to: text)
        XCTAssertThrowsError(try GeneratorCheckpoint.load(text)) { XCTAssertTrue("\($0)".contains("notes.pt"), "\($0)") }
        // a generator with one weight of the wrong shape
        let g = try loadReference()
        var dict = StateDict()
        for (n, t) in g.stateDict() { dict[n] = t.contiguous().hostTensor() }
        dict["conv1.noise.weight"] = Tensor.zeros([2]).hostTensor()
        let wrong = dir.appendingPathComponent("wrong.safetensors")
        try SafeTensors.write(dict, to: wrong)
        XCTAssertThrowsError(try GeneratorCheckpoint.load(wrong)) { error in
            XCTAssertTrue("\(error)".contains("conv1.noise.weight"), "\(error)")
            XCTAssertTrue("\(error)".contains("wrong.safetensors"), "\(error)")
        }
        // a missing key
        var missing = StateDict()
        for (n, t) in g.stateDict() where n != "to_rgb1.bias" { missing[n] = t.contiguous().hostTensor() }
        let m = dir.appendingPathComponent("missing.safetensors")
        try SafeTensors.write(missing, to: m)
        XCTAssertThrowsError(try GeneratorCheckpoint.load(m)) { XCTAssertTrue("\($0)".contains("to_rgb1.bias"), "\($0)") }
    }
}
