import Foundation
import Models
import NN
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// GradStyle end to end on tiny random models: training lowers every loss and resumes exactly; the bundle file
/// round-trips; edits through the CLI's library path write what they promise.
final class GradStyleTrainingTests: XCTestCase {
    func tmpDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("gst-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func makeModel(seed: UInt64 = 7, config edit: (inout GradStyleConfig) -> Void = { _ in }) throws -> (GradStyleModel, InversionModel) {
        try makeTinyGradStyle(seed: seed, config: edit)
    }

    func data(_ n: Int = 8) -> TensorBatchSource { Self.data(n) }
    func options() -> GradStyleTrainingOptions { Self.options() }

    static func data(_ n: Int = 8) -> TensorBatchSource {
        Torch.manualSeed(11)
        // smooth blobs plus fine noise: something for both the code and the residuals to explain
        let coarse = Functional.interpolate(Tensor.randn([n, 3, 4, 4]), size: (64, 64), mode: .bilinear)
        return TensorBatchSource(images: (coarse * 0.5 + Tensor.randn([n, 3, 64, 64]) * 0.1).clamp(min: -1, max: 1))
    }

    static func options() -> GradStyleTrainingOptions {
        var o = GradStyleTrainingOptions()
        o.batch = 4
        o.learningRate = 1e-3
        o.optimizer = "adam"
        o.sampleEvery = 1000
        o.checkpointEvery = 1000
        return o
    }

    /// The aligner loss itself can grow while the residuals grow; its size-relative form must fall.
    func testTrainingLowersEveryLoss() throws {
        let (model, _) = try makeModel()
        // Every sample warped at full strength: with the default mixture a batch's alignment error depends on how
        // many unwarped samples it drew, which would hide the trend in a 40-step curve.
        var o = options()
        o.misalignMix = MisalignMixture(none: 0, small: 0, large: 1, smallStrength: 0.05)
        let trainer = try GradStyleTrainer(model: model, data: data(4), options: o, losses: ImageLosses())
        trainer.quiet = true
        var logs: [[String: Double]] = []
        for _ in 0..<40 { logs.append(try trainer.trainStep()) }
        for key in ["rec_l2", "edi_l2", "align_rel"] {
            let first = logs.prefix(5).map { $0[key]! }.reduce(0, +) / 5
            let last = logs.suffix(5).map { $0[key]! }.reduce(0, +) / 5
            XCTAssertLessThan(last, first, "\(key): \(first) → \(last)")
        }
        // the residuals are in use (α moved away from 0) and the frozen models did not move
        XCTAssertTrue(model.network.fusions.contains { $0.alpha.item() != 0 })
    }

    func testResumeReproducesAnUninterruptedRun() throws {
        let dirA = try tmpDir(), dirB = try tmpDir()
        let (ma, _) = try makeModel()
        let a = try GradStyleTrainer(model: ma, data: data(), options: options(), losses: ImageLosses())
        a.quiet = true
        try a.train(untilStep: 4, outDirectory: dirA)

        let (mb1, _) = try makeModel()
        let b1 = try GradStyleTrainer(model: mb1, data: data(), options: options(), losses: ImageLosses())
        b1.quiet = true
        try b1.train(untilStep: 2, outDirectory: dirB)
        let (mb2, _) = try makeModel()
        Torch.manualSeed(999)
        let b2 = try GradStyleTrainer(model: mb2, data: data(), options: options(), losses: ImageLosses())
        b2.quiet = true
        XCTAssertTrue(try b2.resumeIfPossible(dirB))
        try b2.train(untilStep: 4, outDirectory: dirB)
        let sa = Dictionary(uniqueKeysWithValues: ma.network.stateDict().map { ($0.name, $0.tensor) })
        for (name, t) in mb2.network.stateDict() {
            XCTAssertEqual(t.floats(), sa[name]!.floats(), "\(name) differs after resume")
        }
    }

    func testBundleRoundTripAndEditJob() throws {
        let dir = try tmpDir()
        let (model, inversion) = try makeModel()
        for f in model.network.fusions { f.alpha.detach().fill_(0.3) }
        model.network.eval()
        _ = inversion.eval()  // loaded bundles are in evaluation mode
        let single = try GradStyleNetwork(try GradStyleModel.makeConfig(.singleStage(stage: 16), encoder: inversion.encoder,
                                                                          generator: inversion.generator))
        let url = dir.appendingPathComponent("model.safetensors")
        try GradStyleBundle.save(inversion: inversion, networks: ["gradstyle": model.network, "single_stage": single], to: url)
        XCTAssertEqual(GradStyleBundle.networkPrefixes(try CheckpointFile(url)), ["gradstyle", "single_stage"])
        let loaded = try GradStyleBundle.load(url)
        XCTAssertEqual(loaded.network.config, model.network.config)
        let x = data(2).images
        let a = withNoGrad { model.reconstruct(x).image }, b = withNoGrad { loaded.reconstruct(x).image }
        XCTAssertEqual(a.floats(), b.floats())
        XCTAssertEqual(try GradStyleBundle.load(url, prefix: "single_stage").network.config.stages, [16])
        XCTAssertThrowsError(try GradStyleBundle.load(url, prefix: "nope")) { XCTAssertTrue("\($0)".contains("has: gradstyle, single_stage"), "\($0)") }

        // images on disk → edit job
        let inputDir = dir.appendingPathComponent("in"), outDir = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: inputDir, withIntermediateDirectories: true)
        try ImageTensors.write(x, to: [inputDir.appendingPathComponent("a.png"), inputDir.appendingPathComponent("b.png")])
        var library = DirectionLibrary(styleDim: 16)
        try library.add(name: "up", vector: Tensor.ones([16]) / 4)
        let requests = [try EditRequest.parse("up:1"), try EditRequest.parseSweep("up:-1:1:3")]
        for method in InversionMethod.Name.allCases where method != .hfgi {
            let m = try InversionMethod.load(url, name: method)
            var job = EditJob(method: m, input: try InputImages(inputDir), out: outDir.appendingPathComponent(method.rawValue),
                              edits: requests, directions: library)
            job.sheet = true
            job.quiet = true
            let r = try job.run()
            XCTAssertEqual(r.images, 2)
            for name in ["a_inversion.png", "a_up_+1.png", "a_sweep_up.png", "b_sheet.png", "index.html"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: outDir.appendingPathComponent("\(method.rawValue)/\(name)").path), "\(method): \(name)")
            }
        }
        // invert --method gradstyle / single-stage through the same bundle
        for method in [InversionJob.Method.gradstyle, .singleStage, .e4e] {
            var job = InversionJob(modelURL: url, input: inputDir, out: dir.appendingPathComponent("inv-\(method.rawValue)"))
            job.method = method
            job.saveLatents = true
            job.quiet = true
            let r = try job.run()
            XCTAssertEqual(r.count, 2)
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("inv-\(method.rawValue)/latents.npy").path))
        }
        // strength 0 through the e4e method is exactly the inversion
        let e4e = try InversionMethod.load(url, name: .e4e)
        let rec = e4e.invert(x)
        let zero = e4e.render(rec, editedLatent: LatentEdit(name: "up", direction: .linear(Tensor.ones([16]))).apply(rec.latent, strength: 0))
        XCTAssertEqual(zero.floats(), rec.image.floats())
        // an unknown edit fails before anything is written
        var bad = EditJob(method: e4e, input: try InputImages(inputDir), out: dir.appendingPathComponent("bad"),
                          edits: [try EditRequest.parse("nope:1")], directions: library)
        bad.quiet = true
        XCTAssertThrowsError(try bad.run()) { XCTAssertTrue("\($0)".contains("unknown edit 'nope'"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad").path))
    }
}

/// The options that teach the Editing Stream "nothing moved" and keep the residual modules on reconstruction.
final class EditingStreamTrainingTests: XCTestCase {
    /// Adam moves each parameter by its own gradient only, so the residual modules and fusions of a run whose editing
    /// losses do not reach them follow a run with the reconstruction loss alone exactly. Two steps: at the first, α = 0
    /// hides the gate weights from every loss, and Adam's first update of α is ±lr whatever the gradient's size.
    func testEditingLossesDoNotTrainTheResidualModulesOrTheFusionByDefault() throws {
        /// The residual modules' and the fusions' parameters after two steps.
        func afterTwoSteps(_ edit: (inout GradStyleTrainingOptions) -> Void) throws -> (grm: [Float], fusion: [Float]) {
            let (model, _) = try makeTinyGradStyle(seed: 7)
            let t = GradStyleTrainingTests.self
            var o = t.options()
            edit(&o)
            Torch.manualSeed(3)
            let trainer = try GradStyleTrainer(model: model, data: t.data(4), options: o, losses: ImageLosses())
            trainer.quiet = true
            for _ in 0..<2 { _ = try trainer.trainStep() }
            return (model.network.grms.parameters().flatMap { $0.floats() }, model.network.fusions.parameters().flatMap { $0.floats() })
        }
        func maxDiff(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max()! }
        let reconstructionOnly = try afterTwoSteps { $0.misalign = .none }
        let aligned = try afterTwoSteps { $0.editTrainsResiduals = false; $0.editTrainsFusion = false }
        let sharedResiduals = try afterTwoSteps { $0.editTrainsResiduals = true; $0.editTrainsFusion = false }
        let sharedFusion = try afterTwoSteps { $0.editTrainsResiduals = false; $0.editTrainsFusion = true }
        XCTAssertEqual(GradStyleTrainingOptions().editTrainsResiduals, false)
        XCTAssertEqual(GradStyleTrainingOptions().editTrainsFusion, false)
        XCTAssertEqual(aligned.grm.count, reconstructionOnly.grm.count)
        // Equal up to float rounding (Adam's division by √v magnifies rounding of near-zero gradients: 1e-5 bound);
        // a loss that does reach them moves them by a sizeable part of the learning rate (1e-3).
        XCTAssertLessThan(maxDiff(aligned.grm, reconstructionOnly.grm), 1e-5)
        XCTAssertLessThan(maxDiff(aligned.fusion, reconstructionOnly.fusion), 1e-5)
        XCTAssertGreaterThan(maxDiff(sharedResiduals.grm, reconstructionOnly.grm), 1e-4)
        XCTAssertGreaterThan(maxDiff(sharedFusion.fusion, reconstructionOnly.fusion), 1e-4)
    }

    func testMisalignmentMixtureDrawsTheRequestedShares() throws {
        var o = GradStyleTrainingOptions()
        o.misalignStrength = 0.15
        Torch.manualSeed(1)
        let s = o.misalignStrengths(count: 4000)
        let none = Double(s.filter { $0 == 0 }.count) / 4000, small = Double(s.filter { $0 == 0.05 }.count) / 4000
        XCTAssertEqual(none, 0.25, accuracy: 0.03)
        XCTAssertEqual(small, 0.25, accuracy: 0.03)
        XCTAssertEqual(1 - none - small, 0.5, accuracy: 0.03)
        o.misalignMix = MisalignMixture(none: 0, small: 0, large: 1, smallStrength: 0.05)
        XCTAssertEqual(Set(o.misalignStrengths(count: 50)), [0.15])
        o.misalignMix = MisalignMixture(none: -1, small: 0, large: 1, smallStrength: 0.05)
        XCTAssertThrowsError(try o.validate())
        o.misalignMix = MisalignMixture(none: .nan, small: 0, large: 1, smallStrength: 0.05)
        XCTAssertThrowsError(try o.validate())
    }

    func testAZeroStrengthWarpIsTheIdentity() {
        let x = Tensor.randn([3, 3, 16, 16])
        Torch.manualSeed(2)
        let warp = RandomWarp.random(strengths: [0, 0.15, 0])
        let y = warp.apply(x)
        for i in [0, 2] { XCTAssertLessThan(Float((y[i] - x[i]).abs().max().item()), 1e-5) }
        XCTAssertGreaterThan(Float((y[1] - x[1]).abs().max().item()), 1e-2)
    }
}
