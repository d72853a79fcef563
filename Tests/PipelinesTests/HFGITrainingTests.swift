import Foundation
import Models
import NN
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// HFGI training on a tiny model: the e4e encoder and 64² generator of the HFGI parity fixture (32² input), fresh
/// residual encoder and ADA in the public widths (condition heads 8 wide).
final class HFGITrainingTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/hfgi_g64.pt")

    func tmpDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("hfgi-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    static func options() -> HFGITrainingOptions {
        var o = HFGITrainingOptions()
        o.batch = 2
        o.conditionHidden = 8
        o.sampleEvery = 1000
        o.checkpointEvery = 1000
        return o
    }

    /// The fixture's frozen parts with freshly initialised HFGI networks (the same for the same seed).
    static func model(seed: UInt64 = 5, options: HFGITrainingOptions = options()) throws -> HFGIModel {
        let inversion = try HFGIModel.load(fixture).inversion
        Torch.manualSeed(seed)
        return try HFGITrainingStep.makeModel(inversion: inversion, options: options)
    }

    static func data(_ n: Int = 4) -> TensorBatchSource {
        Torch.manualSeed(11)
        let coarse = Functional.interpolate(Tensor.randn([n, 3, 4, 4]), size: (32, 32), mode: .bilinear)
        return TensorBatchSource(images: (coarse * 0.5 + Tensor.randn([n, 3, 32, 32]) * 0.1).clamp(min: -1, max: 1))
    }

    static func snapshot(_ m: Module) -> [String: [Double]] {
        Dictionary(uniqueKeysWithValues: m.stateDict().map { ($0.name, $0.tensor.doubles()) })
    }

    // MARK: - RandomPerspective

    static func loadNPY(_ name: String) throws -> Tensor {
        Tensor(try NPY.read(fixture.deletingLastPathComponent().appendingPathComponent(name)))
    }

    /// torchvision's draws (scripts/make_hfgi_perspective_fixtures.py, Debian's torch 1.13 + torchvision): the same
    /// seed gives the same decision and the same corners from libtorch's generator.
    func testPerspectiveDrawsMatchTorchvision() throws {
        let rows = try Self.loadNPY("hfgi_perspective_draws.npy").int64s().map(Int.init)
        XCTAssertEqual(rows.count, 12 * 9)
        for seed in 0..<12 {
            let row = Array(rows[(seed * 9)..<(seed * 9 + 9)])
            Torch.manualSeed(UInt64(seed))
            let p = RandomPerspective.draw(width: 32, height: 24, scale: 0.5, probability: 0.6)
            if row[0] == 0 {
                XCTAssertNil(p.endpoints, "seed \(seed)")
            } else {
                XCTAssertEqual(p.endpoints?.flatMap { $0 }, Array(row[1...]), "seed \(seed)")
            }
        }
    }

    /// torchvision's `F.perspective` (zero fill, as 0.8 on tensors) of a 2-image batch, one warp for both.
    func testPerspectiveWarpMatchesTorchvision() throws {
        let x = try Self.loadNPY("hfgi_perspective_x.npy")
        let p = RandomPerspective(endpoints: [[2, 1], [8, 0], [9, 11], [1, 9]], width: 10, height: 12)
        let diff = (p.apply(x) - (try Self.loadNPY("hfgi_perspective_y.npy"))).abs().max().item()
        // torchvision solves for the coefficients and builds the grid in float32 (here: float64): ~1e-5 apart.
        XCTAssertLessThan(diff, 1e-4)
    }

    /// The coefficients send each endpoint to its startpoint (x_in = (a·x + b·y + c)/(g·x + h·y + 1), …).
    func testPerspectiveCoefficientsMapEndpointsToStartpoints() {
        let p = RandomPerspective(endpoints: [[3, 2], [28, 1], [30, 29], [1, 27]], width: 32, height: 32)
        let c = RandomPerspective.coefficients(from: p.endpoints!, to: p.startpoints)
        for (e, s) in zip(p.endpoints!, p.startpoints) {
            let (x, y) = (Double(e[0]), Double(e[1]))
            let d = c[6] * x + c[7] * y + 1
            XCTAssertEqual((c[0] * x + c[1] * y + c[2]) / d, Double(s[0]), accuracy: 1e-9)
            XCTAssertEqual((c[3] * x + c[4] * y + c[5]) / d, Double(s[1]), accuracy: 1e-9)
        }
    }

    /// Corners moved 2 px right and 1 px down is a pure shift: output pixel (i, j) is input (i − 1, j − 2), with zeros
    /// coming in (torchvision 0.8 pads with zeros).
    func testPerspectiveShiftIsAnExactTranslation() {
        let (w, h) = (8, 6)
        let p = RandomPerspective(endpoints: [[2, 1], [w + 1, 1], [w + 1, h], [2, h]], width: w, height: h)
        let x = Tensor.rand([2, 3, h, w])
        let y = p.apply(x)
        let xs = x.doubles(), ys = y.doubles()
        for n in 0..<2 { for c in 0..<3 { for i in 0..<h { for j in 0..<w {
            let k = ((n * 3 + c) * h + i) * w + j
            let expected = i >= 1 && j >= 2 ? xs[((n * 3 + c) * h + i - 1) * w + j - 2] : 0
            XCTAssertEqual(ys[k], expected, accuracy: 1e-5, "n\(n) c\(c) (\(i), \(j))")
        } } } }
    }

    /// Probability 0 never warps; probability 1 always does, with corners in torchvision's ranges:
    /// TL x, y ∈ [0, d]; TR x ∈ [w − d − 1, w); BR both in the far ranges; BL y ∈ [h − d − 1, h) (d = ⌊s·⌊size/2⌋⌋).
    func testPerspectiveDrawsFollowTorchvisionRanges() {
        Torch.manualSeed(1)
        for _ in 0..<20 { XCTAssertNil(RandomPerspective.draw(width: 32, height: 24, scale: 0.5, probability: 0).endpoints) }
        let (w, h) = (32, 24)
        let dx = Int(0.5 * Double(w / 2)), dy = Int(0.5 * Double(h / 2))
        var seen = Set<Int>()
        for _ in 0..<50 {
            let e = RandomPerspective.draw(width: w, height: h, scale: 0.5, probability: 1).endpoints!
            XCTAssert((0...dx).contains(e[0][0]) && (0...dy).contains(e[0][1]), "\(e)")
            XCTAssert((w - dx - 1..<w).contains(e[1][0]) && (0...dy).contains(e[1][1]), "\(e)")
            XCTAssert((w - dx - 1..<w).contains(e[2][0]) && (h - dy - 1..<h).contains(e[2][1]), "\(e)")
            XCTAssert((0...dx).contains(e[3][0]) && (h - dy - 1..<h).contains(e[3][1]), "\(e)")
            seen.insert(e[0][0])
        }
        XCTAssertGreaterThan(seen.count, 3, "corners are drawn, not fixed")
        // Same seed, same draw.
        Torch.manualSeed(4)
        let a = RandomPerspective.draw(width: w, height: h, scale: 0.15, probability: 0.9)
        Torch.manualSeed(4)
        XCTAssertEqual(a, RandomPerspective.draw(width: w, height: h, scale: 0.15, probability: 0.9))
    }

    // MARK: - Loss

    /// Every term against its formula on hand-made numbers; the output (2×2) is compared with the target averaged
    /// over 2×2 blocks (4×4 → 2×2).
    func testLossTermsMatchTheirFormulas() {
        var o = HFGITrainingOptions()
        (o.lambdaL2, o.lambdaLPIPS, o.lambdaID, o.lambdaRes) = (1.0, 0.8, 0.1, 0.1)
        // Stand-ins for LPIPS and ID (per-sample values), to check the weighting and the common size.
        let perceptual: (Tensor, Tensor) -> Tensor = { ($0 - $1).abs().mean(dims: [1, 2, 3]) }
        let identity: (Tensor, Tensor) -> Tensor = { ($0 * $1).mean(dims: [1, 2, 3]) }
        let loss = HFGILoss(options: o, networks: ImageLosses(perceptual: perceptual, identity: identity))
        let yv: [Double] = (0..<8).map { Double($0) / 8 - 0.4 }               // 2×1×2×2
        let xv: [Double] = (0..<32).map { sin(Double($0)) * 0.7 }             // 2×1×4×4
        let av: [Double] = [0.2, -0.1, 0.4, 0.0, 0.3, -0.5]                   // 1×1×2×3
        let rv: [Double] = [0.1, 0.1, -0.2, 0.3, 0.0, 0.5]
        let (total, parts) = loss(output: Tensor(yv, shape: [2, 1, 2, 2]), target: Tensor(xv, shape: [2, 1, 4, 4]),
                                  aligned: Tensor(av, shape: [1, 1, 2, 3]), residual: Tensor(rv, shape: [1, 1, 2, 3]))
        // The target averaged over 2×2 blocks.
        var xp = [Double](repeating: 0, count: 8)
        for n in 0..<2 { for i in 0..<2 { for j in 0..<2 {
            var s = 0.0
            for a in 0..<2 { for b in 0..<2 { s += xv[n * 16 + (2 * i + a) * 4 + 2 * j + b] } }
            xp[n * 4 + i * 2 + j] = s / 4
        } } }
        let l2 = zip(yv, xp).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 8
        let lp = zip(yv, xp).map { Swift.abs($0 - $1) }.reduce(0, +) / 8
        let id = zip(yv, xp).map { $0 * $1 }.reduce(0, +) / 8
        let res = zip(av, rv).map { Swift.abs($0 - $1) }.reduce(0, +) / 6
        XCTAssertEqual(parts["l2"]!, l2, accuracy: 1e-6)
        XCTAssertEqual(parts["lpips"]!, lp, accuracy: 1e-6)
        XCTAssertEqual(parts["id"]!, id, accuracy: 1e-6)
        XCTAssertEqual(parts["res"]!, res, accuracy: 1e-6)
        XCTAssertEqual(total.item(), l2 + 0.8 * lp + 0.1 * id + 0.1 * res, accuracy: 1e-6)
        // Terms without their networks, or weighted 0, are left out (not logged as 0).
        o.lambdaRes = 0
        let plain = HFGILoss(options: o)(output: Tensor(yv, shape: [2, 1, 2, 2]), target: Tensor(xv, shape: [2, 1, 4, 4]),
                                         aligned: Tensor(av, shape: [1, 1, 2, 3]), residual: Tensor(rv, shape: [1, 1, 2, 3]))
        XCTAssertEqual(Set(plain.parts.keys), ["l2"])
        XCTAssertEqual(plain.total.item(), l2, accuracy: 1e-6)
    }

    // MARK: - Steps

    /// After a step the encoder and generator are bit-identical (buffers included); every tensor of the residual
    /// encoder and ADA that the loss reaches has moved.
    func testStepTrainsOnlyTheHFGINetworks() throws {
        let model = try Self.model()
        let encoderBefore = Self.snapshot(model.inversion.encoder)
        let generatorBefore = Self.snapshot(model.generator)
        let latentAverage = model.inversion.stateDict().first { $0.name == "latent_avg" }?.tensor.doubles()
        XCTAssertNotNil(latentAverage)
        let residueBefore = Self.snapshot(model.residue), alignBefore = Self.snapshot(model.gridAlign)
        var o = Self.options()
        o.optimizer = "adam"
        o.learningRate = 1e-3
        let trainer = try HFGITrainingStep(model: model, data: Self.data(), options: o)
        Torch.manualSeed(3)
        let log = try trainer.trainStep()
        XCTAssert(log["loss"]!.isFinite && log["l2"]! > 0 && log["res"]! > 0, "\(log)")
        XCTAssertEqual(Self.snapshot(model.inversion.encoder), encoderBefore)
        XCTAssertEqual(Self.snapshot(model.generator), generatorBefore)
        XCTAssertEqual(model.inversion.stateDict().first { $0.name == "latent_avg" }?.tensor.doubles(), latentAverage)
        XCTAssert(model.inversion.encoder.parameters().allSatisfy { !$0.requiresGrad })
        XCTAssert(model.generator.parameters().allSatisfy { !$0.requiresGrad })
        for (name, before) in model.residue.namedParameters().map({ ($0.name, residueBefore[$0.name]!) }) {
            XCTAssertNotEqual(Self.snapshot(model.residue)[name], before, "residue.\(name) did not change")
        }
        for (name, before) in model.gridAlign.namedParameters().map({ ($0.name, alignBefore[$0.name]!) }) {
            XCTAssertNotEqual(Self.snapshot(model.gridAlign)[name], before, "grid_align.\(name) did not change")
        }
        // Batch norms of the trained networks train (running statistics move), as in the public code.
        XCTAssertNotEqual(Self.snapshot(model.gridAlign)["conv_layer1.1.running_mean"], alignBefore["conv_layer1.1.running_mean"])
    }

    /// On one fixed batch (no distortion, stored noise) the loss falls over a few Adam steps.
    func testLossDecreasesOnAFixedBatch() throws {
        var o = Self.options()
        o.optimizer = "adam"
        o.learningRate = 2e-3
        o.distortionRate = 0
        o.noise = "const"
        let data = Self.data(2)
        let trainer = try HFGITrainingStep(model: try Self.model(), data: data, options: o)
        Torch.manualSeed(3)
        let losses = try (0..<12).map { _ in try trainer.trainStep()["loss"]! }
        XCTAssertLessThan(losses.suffix(3).reduce(0, +), 0.8 * losses.prefix(3).reduce(0, +), "\(losses)")
    }

    /// 4 steps straight equal 2 steps, a checkpoint written and read into a fresh run, and 2 more: every tensor of the
    /// checkpoint bit-identical (networks, batch-norm statistics, optimiser state, RNG, data position). The recipe's
    /// random noise, perspective and Ranger all take part.
    func testResumeIsExact() throws {
        let dir = try tmpDir()
        func run(_ steps: Int, from checkpoint: URL? = nil) throws -> HFGITrainingStep {
            let t = try HFGITrainingStep(model: try Self.model(), data: Self.data(), options: Self.options())
            Torch.manualSeed(9)
            if let checkpoint { try t.restore(try TrainingCheckpoint.read(checkpoint), path: checkpoint.path) }
            while t.step < steps { _ = try t.trainStep() }
            return t
        }
        let straight = try run(4).checkpoint()
        let half = dir.appendingPathComponent("half.safetensors")
        try run(2).checkpoint().write(to: half)
        Torch.manualSeed(12345)  // the checkpoint's RNG state must win over whatever the generator holds
        let resumed = try run(4, from: half).checkpoint()
        XCTAssertEqual(resumed.metadata, straight.metadata)
        XCTAssertEqual(Set(resumed.tensors.keys), Set(straight.tensors.keys))
        XCTAssert(straight.tensors.keys.contains { $0.hasPrefix("optim.") } && straight.tensors["rng.cpu"] != nil)
        for (k, v) in straight.tensors { XCTAssertEqual(resumed.tensors[k]!.doubles(), v.doubles(), k) }
        // The two written files are byte-identical too.
        let a = dir.appendingPathComponent("a.safetensors"), b = dir.appendingPathComponent("b.safetensors")
        try straight.write(to: a)
        try resumed.write(to: b)
        XCTAssertEqual(try Data(contentsOf: a), try Data(contentsOf: b))
        // Another kind of checkpoint is refused by name.
        var other = straight
        other.metadata["kind"] = "gradstyle.train.gradstyle"
        let t = try HFGITrainingStep(model: try Self.model(), data: Self.data(), options: Self.options())
        XCTAssertThrowsError(try t.restore(other, path: "x.safetensors")) { XCTAssert("\($0)".contains("not an HFGI training checkpoint"), "\($0)") }
    }

    /// The saved model is the file `--method hfgi` reads: loaded back, it reconstructs as the trained networks do
    /// (with the training's running statistics exported as they are).
    func testSavedModelLoadsAsHFGI() throws {
        let dir = try tmpDir()
        var o = Self.options()
        o.statisticsImages = 0
        let trainer = try HFGITrainingStep(model: try Self.model(), data: Self.data(), options: o)
        Torch.manualSeed(2)
        _ = try trainer.trainStep()
        try trainer.export(to: dir)
        let url = dir.appendingPathComponent(HFGITrainingStep.modelFile)
        XCTAssertTrue(HFGIModel.isHFGI(url))
        let loaded = try HFGIModel.load(url).eval()
        XCTAssertEqual(loaded.config, trainer.model.config)
        trainer.model.eval()
        let x = Self.data().images
        let a = withNoGrad { trainer.model.reconstruct(x).result.image }
        let b = withNoGrad { loaded.reconstruct(x).result.image }
        XCTAssertEqual(a.doubles(), b.doubles())
        // The sheet: one row per sample image (2), four columns, and drawing it changes no random state.
        let before = Torch.cpuRNGState
        let sheet = try XCTUnwrap(try trainer.sample())
        XCTAssertEqual(Torch.cpuRNGState, before)
        XCTAssertGreaterThan(sheet.width, 4 * 32)
        XCTAssertGreaterThan(sheet.height, 2 * 32)
    }

    /// By default the exported file's batch-norm statistics are re-estimated with the final weights on the data's
    /// first images (undistorted, stored noise), while the training's own statistics, and every random stream, stay
    /// as they were. Checked on ADA's first norm against the direct formula: the channel mean and unbiased variance
    /// of its stem conv's output over those images.
    func testExportReestimatesBatchNormStatistics() throws {
        let dir = try tmpDir()
        var o = Self.options()
        o.statisticsImages = 3
        let data = Self.data()
        let trainer = try HFGITrainingStep(model: try Self.model(), data: data, options: o)
        Torch.manualSeed(2)
        _ = try trainer.trainStep()
        let residueBefore = Self.snapshot(trainer.model.residue), alignBefore = Self.snapshot(trainer.model.gridAlign)
        let rng = Torch.cpuRNGState
        try trainer.export(to: dir)
        XCTAssertEqual(Self.snapshot(trainer.model.residue), residueBefore, "the training's residue statistics are kept")
        XCTAssertEqual(Self.snapshot(trainer.model.gridAlign), alignBefore, "the training's ADA statistics are kept")
        XCTAssertEqual(Torch.cpuRNGState, rng)
        XCTAssertTrue(trainer.model.residue.isTraining, "the training mode is kept")

        let url = dir.appendingPathComponent(HFGITrainingStep.modelFile)
        let loaded = try HFGIModel.load(url).eval()
        let x = data.images.narrow(dim: 0, start: 0, length: 3)
        let stem = withNoGrad { () -> Tensor in
            let m = trainer.model
            let w = m.latents(x)
            let (residual, first) = m.distortion(x, latent: w)
            let conv = m.gridAlign.convLayer1.children[0] as! Conv2d
            return conv(Tensor.cat([residual, m.atInputSize(first)], dim: 1))
        }
        let mean = stem.mean(dims: [0, 2, 3]).doubles(), variance = stem.variance(dims: [0, 2, 3], unbiased: true).doubles()
        let norm = loaded.gridAlign.convLayer1.children[1] as! BatchNorm
        let (m, v) = (norm.runningMean!.doubles(), norm.runningVar!.doubles())
        for c in 0..<mean.count {
            XCTAssertEqual(m[c], mean[c], accuracy: 1e-5 + 1e-4 * abs(mean[c]), "mean \(c)")
            XCTAssertEqual(v[c], variance[c], accuracy: 1e-5 + 1e-4 * abs(variance[c]), "variance \(c)")
        }
        XCTAssertNotEqual(m, alignBefore["conv_layer1.1.running_mean"], "the file's statistics are new")
        let file = try CheckpointFile(url)
        XCTAssertEqual(file.metadata["hfgi.batch_norm_statistics"], "re-estimated over 3 training images")
    }

    func testOptionsNameEachProblem() {
        XCTAssertEqual(HFGITrainingOptions().problems(), [])
        var o = HFGITrainingOptions()
        o.batch = 0
        o.distortionScale = 1.5
        o.noise = "none"
        o.optimizer = "sgd"
        o.lambdaRes = -1
        let p = o.problems()
        XCTAssertEqual(p.count, 5, "\(p)")
        XCTAssert(p.contains { $0.contains("batch size 0") } && p.contains { $0.contains("distortion scale 1.5") }
                  && p.contains { $0.contains("'none'") } && p.contains { $0.contains("'sgd'") } && p.contains { $0.contains("ADA residual") })
        XCTAssertThrowsError(try o.validate())
        XCTAssertThrowsError(try HFGITrainingStep(model: try Self.model(), data: TensorBatchSource(images: Tensor.zeros([2, 3, 16, 16])),
                                                  options: Self.options())) { XCTAssert("\($0)".contains("16²"), "\($0)") }
    }
}
