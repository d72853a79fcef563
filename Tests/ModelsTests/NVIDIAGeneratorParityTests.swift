import XCTest
@testable import Models
import NN
import TensorIO
import Torch

/// NVIDIA stylegan2-ada-pytorch generator state dicts against the outputs of NVlabs' own, unmodified
/// `training/networks.py` (scripts/make_nvidia_fixtures.py; Fixtures/README.md says what each file is).
final class NVIDIAGeneratorParityTests: XCTestCase {
    /// The fixture shapes: 8² (mapping depth 8), 16² (widths 24 → 16 → 8), 32² (16 → 8 at 32²).
    let shapes = ["nv8", "nv16", "nv32"]

    func load(_ name: String, convClamp: Double? = nil) throws -> Generator {
        let loaded = try GeneratorCheckpoint.load(fixture("\(name).pt"), convClamp: convClamp)
        XCTAssertEqual(loaded.layout, "NVIDIA stylegan2-ada", name)
        XCTAssertEqual(loaded.latentAverageSource, "mapping.w_avg", name)
        return loaded.generator.eval()
    }

    /// max |ours − reference| / max |reference|: the acceptance measure of issue 13.
    func relativeError(_ ours: Tensor, _ reference: Tensor) -> Float {
        XCTAssertEqual(ours.shape, reference.shape)
        return maxAbsDiff(ours, reference) / Float(reference.abs().max().item())
    }

    func testInferredShapesMatchTheNVlabsConfigurations() throws {
        let expected: [String: (size: Int, dim: Int, mapping: Int, channels: [Int: Int])] = [
            "nv8": (8, 12, 8, [4: 12, 8: 8]),
            "nv16": (16, 10, 2, [4: 24, 8: 16, 16: 8]),
            "nv32": (32, 16, 2, [4: 16, 8: 16, 16: 16, 32: 8]),
        ]
        for name in shapes {
            let c = try load(name).config
            let e = expected[name]!
            XCTAssertEqual(c.size, e.size, name)
            XCTAssertEqual(c.styleDim, e.dim, name)
            XCTAssertEqual(c.mappingLayers, e.mapping, name)
            XCTAssertEqual(c.channels, e.channels, name)
        }
    }

    func testWRouteMatchesNVlabs() throws {
        for name in shapes {
            let g = try load(name)
            let ws = try loadNPY("\(name)_ws.npy")
            for strategy in ModulationStrategy.allCases {
                g.modulationStrategy = strategy
                let out = withInferenceMode { g.synthesis(ws, noise: .const) }
                XCTAssertLessThanOrEqual(relativeError(out, try loadNPY("\(name)_img_w.npy")), 1e-4, "\(name) \(strategy)")
            }
        }
    }

    /// z → mapping → (truncation towards `mapping.w_avg`) → synthesis, as `gradstyle generate --z` runs it.
    func testZRouteWithAndWithoutTruncationMatchesNVlabs() throws {
        for name in shapes {
            let g = try load(name)
            let z = try loadNPY("\(name)_z.npy")
            for (psi, file) in [(1.0, "img_z"), (0.7, "img_trunc07")] {
                let out = withInferenceMode {
                    g.synthesis(g.truncate(g.broadcastLatent(g.mapping(z)), psi: psi), noise: .const)
                }
                XCTAssertLessThanOrEqual(relativeError(out, try loadNPY("\(name)_\(file).npy")), 1e-4, "\(name) ψ \(psi)")
            }
        }
    }

    /// conv_clamp is a constructor argument, not in the state dict: given to the loader it clamps as NVlabs does.
    func testConvClampMatchesNVlabs() throws {
        let ws = try loadNPY("nv16_ws.npy")
        let clamped = try load("nv16", convClamp: 0.25)
        let out = withInferenceMode { clamped.synthesis(ws, noise: .const) }
        let reference = try loadNPY("nv16_img_w_clamp.npy")
        XCTAssertLessThanOrEqual(relativeError(out, reference), 1e-4)
        // the clamp binds in this fixture: without it the image is far off
        let free = withInferenceMode { try! load("nv16").synthesis(ws, noise: .const) }
        XCTAssertGreaterThan(relativeError(free, reference), 0.1)
    }

    /// Random noise, per styled conv: NVlabs adds `randn([N, 1, H, W]) * noise_strength` before the biased leaky
    /// ReLU — one fresh unit-variance map per sample, shared by all channels. The layer's output is inverted back to
    /// its pre-activation (leaky ReLU ·√2 is invertible) and the `.none` run subtracted: what is left divided by the
    /// strength must be that map. Checked for the layers at every resolution of the 32² generator.
    func testRandomNoiseIsOneUnitGaussianMapPerSampleSharedByChannels() throws {
        let g = try load("nv32")
        let ws = try loadNPY("nv32_ws.npy")
        Torch.manualSeed(5)  // the bounds below are 4 standard errors; seeded so the run is repeatable
        let batch = 64
        let w = ws.select(dim: 0, index: 0).select(dim: 0, index: 1).unsqueeze(dim: 0).repeat([batch, 1])
        let layers: [(StyledConv, Int)] = [(g.conv1, 4)] + g.convs.enumerated().map { ($0.element, 8 << ($0.offset / 2)) }
        var x = withInferenceMode { g.input(batch: batch) }
        for (layer, resolution) in layers {
            let strength = Double(layer.noise.weight.item())
            XCTAssertGreaterThan(abs(strength), 0.05, "fixture noise strength too small to measure")
            let (random, none) = withInferenceMode {
                (layer(x, style: w, noise: nil),
                 layer(x, style: w, noise: Tensor.zeros([1, 1, resolution, resolution])))
            }
            XCTAssertEqual(random.shape, [batch, layer.activate.bias!.size(0), resolution, resolution])
            // the inverse of √2·leakyReLU(·, 0.2)
            func preActivation(_ y: Tensor) -> Tensor { (y / 2.0.squareRoot()).leakyReLU(5) }
            let n = (preActivation(random) - preActivation(none)) / strength
            // shared by all channels: every channel holds the channel-0 map
            let first = n.narrow(dim: 1, start: 0, length: 1)
            XCTAssertLessThan(maxAbsDiff(n, first.expand(n.shape)), 1e-3, "noise differs across channels at \(resolution)²")
            // N(0, 1) per pixel: mean and standard deviation over batch × H × W values
            let count = Double(batch * resolution * resolution)
            let mean = first.mean().item(), std = first.std().item()
            XCTAssertLessThan(abs(mean), 4 / count.squareRoot(), "mean at \(resolution)²")
            XCTAssertLessThan(abs(std - 1), 4 / (2 * count).squareRoot(), "std at \(resolution)²")
            // a different map for each sample
            let a = first.select(dim: 0, index: 0), b = first.select(dim: 0, index: 1)
            XCTAssertGreaterThan(Float((a - b).abs().max().item()), 0.5, "samples share the noise at \(resolution)²")
            x = none
        }
    }

    /// Image statistics under random noise against NVlabs' own: per-pixel mean and standard deviation of 400
    /// `noise_mode='random'` runs for one ws (nv8_random_*), against ours over 400 runs. Sampling error of a standard
    /// deviation from 400 draws is about 1/√800 ≈ 3.5% per pixel; the average over the 192 pixels is compared to 3%,
    /// and every pixel's std to 25%.
    func testRandomNoiseImageStatisticsMatchNVlabs() throws {
        let g = try load("nv8")
        let ws = try loadNPY("nv8_ws.npy").narrow(dim: 0, start: 0, length: 1)
        let runs = 400
        Torch.manualSeed(7)
        let images = withInferenceMode { g.synthesis(ws.repeat([runs, 1, 1]), noise: .random) }
        let mean = images.mean(dim: 0), std = images.std(dims: [0])
        let refMean = try loadNPY("nv8_random_mean.npy"), refStd = try loadNPY("nv8_random_std.npy")
        let ratio = std / refStd
        XCTAssertLessThan(abs(ratio.mean().item() - 1), 0.03, "mean std ratio \(ratio.mean().item())")
        XCTAssertLessThan(Float((ratio - 1).abs().max().item()), 0.25)
        // means agree to a few standard errors (σ/√400)
        XCTAssertLessThan(Float(((mean - refMean).abs() / (refStd / 20)).max().item()), 5)
    }

    /// What the rosinality generator cannot express is refused with one line naming the file and the reason.
    func testUnsupportedNVIDIAGeneratorsAreRefusedByName() throws {
        let source = try CheckpointFile(fixture("nv8.pt")).hostTensors().tensors()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nv-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func refused(_ name: String, _ edit: (inout [String: Tensor]) -> Void, saying reason: String) throws {
            var tensors = source
            edit(&tensors)
            var dict = StateDict()
            for (n, t) in tensors { dict[n] = t.contiguous().hostTensor() }
            let url = dir.appendingPathComponent(name)
            try SafeTensors.write(dict, to: url)
            XCTAssertThrowsError(try GeneratorCheckpoint.load(url)) { error in
                XCTAssertTrue("\(error)".contains(name) && "\(error)".contains(reason), "\(error)")
            }
        }
        try refused("conditional.safetensors", { $0["mapping.embed.weight"] = Tensor.zeros([12, 4]) }, saying: "conditional")
        try refused("zdim.safetensors", { $0["mapping.fc0.weight"] = Tensor.zeros([12, 8]) }, saying: "z_dim 8 ≠ w_dim 12")
        try refused("resnet.safetensors", { $0["synthesis.b8.skip.weight"] = Tensor.zeros([8, 12, 1, 1]) },
                    saying: "synthesis.b8.skip.weight")
        try refused("orig.safetensors", { t in for k in t.keys where k.hasPrefix("synthesis.b4.torgb.") { t[k] = nil } },
                    saying: "'skip' architecture")
    }
}
