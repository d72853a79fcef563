import Foundation
import ImageIO
import Models
import NN
import Pipelines
import TensorIO
import Torch
import XCTest

/// `gradstyle train encoder` through its library function: a tiny e4e/pSp for a tiny generator on generated data.
final class TrainEncoderCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("train-enc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A fixed 16² generator (saved once, so every run starts from the very same one) and 8 of its images at 32².
    func setUpGenerator() throws -> (URL, Tensor) {
        Torch.manualSeed(11)
        let g = Generator(GeneratorConfig(size: 16, styleDim: 8, mappingLayers: 1, channels: [4: 8, 8: 8, 16: 8]))
        g.latentAverage = g.meanLatent(count: 64)
        let url = dir.appendingPathComponent("g.safetensors")
        try GeneratorCheckpoint.save(g, to: url)
        let images = withInferenceMode {
            Functional.interpolate(g.generate(z: Tensor.randn([8, 8])), size: (32, 32), mode: .bilinear).clamp(min: -1, max: 1)
        }
        return (url, images)
    }

    func makeTrainer(_ type: EncoderType, generator url: URL, images: Tensor, options: EncoderTrainingOptions,
                     seed: UInt64 = 5) throws -> EncoderTrainer {
        Torch.manualSeed(seed)
        let g = try GeneratorCheckpoint.load(url).generator
        let backbone = try IRBackboneConfig.depth(18, widthMultiplier: 1.0 / 16, seReduction: 4)
        let encoder = FPNStyleEncoder.make(EncoderConfig(type: type, generatorSize: 16, styleDim: 8,
                                                         backbone: backbone, inputSize: 32))
        let model = try InversionModel(encoder: encoder, generator: g, latentAverage: g.latentAverage)
        // A random-weight ArcFace stands in for model_ir_se50.pth; random LPIPS for the pretrained one.
        let face = ArcFace(ArcFaceConfig(backbone: backbone, inputSize: 16, embeddingDim: 8))
        let trainer = try EncoderTrainer(model: model, data: TensorBatchSource(images: images), options: options,
                                         perceptual: LPIPS(), identity: IDLoss(facenet: face))
        trainer.quiet = true
        return trainer
    }

    func smallOptions() -> EncoderTrainingOptions {
        var o = EncoderTrainingOptions()
        o.batch = 4
        o.learningRate = 1e-3
        o.lambdaID = 0.1
        o.progressiveStart = 2
        o.progressiveStepEvery = 2
        o.sampleEvery = 3
        o.checkpointEvery = 3
        return o
    }

    func testShortRunLowersTheLoss() throws {
        let (g, images) = try setUpGenerator()
        var options = smallOptions()
        options.progressiveStart = nil  // all deltas from the start: the loss is then comparable across steps
        let trainer = try makeTrainer(.e4e, generator: g, images: images, options: options)
        let out = dir.appendingPathComponent("run")
        try trainer.train(untilStep: 40, outDirectory: out)
        let losses = trainer.history.map { $0["l2"]! + $0["lpips"]! }
        let first = losses.prefix(4).reduce(0, +) / 4, last = losses.suffix(4).reduce(0, +) / 4
        XCTAssertLessThan(last, first * 0.8, "loss \(first) → \(last)")
        XCTAssertNotNil(trainer.history.last?["id"])
        XCTAssertNil(trainer.history.last?["delta"], "no delta regularisation without progressive training")

        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(files, [TrainingFiles.checkpoint, EncoderTrainer.modelName, "samples"])
        let grid = try ImageFile.read(out.appendingPathComponent("samples/000039.png"))
        XCTAssertGreaterThan(grid.width, 2 * 32)
        // Both files are inversion models for `invert`.
        for name in [EncoderTrainer.modelName, TrainingFiles.checkpoint] {
            let model = try InversionModel.load(out.appendingPathComponent(name)).eval()
            XCTAssertEqual(model.encoderConfig, trainer.model.encoderConfig)
            let w = withInferenceMode { model.latents(images[0..<2]) }
            let expected: Tensor = withInferenceMode {
                trainer.model.encoder.eval()
                defer { trainer.model.encoder.train() }
                return trainer.model.latents(images[0..<2])
            }
            XCTAssertEqual(w.floats(), expected.floats())
        }
    }

    func testProgressiveStagesAndDeltaRegularisation() throws {
        let (g, images) = try setUpGenerator()
        let trainer = try makeTrainer(.e4e, generator: g, images: images, options: smallOptions())
        XCTAssertEqual(smallOptions().progressiveSteps(styleCount: 6), [0, 2, 4, 6, 8, 10])
        var stages: [Int] = []
        for _ in 0..<6 {
            stages.append(trainer.progressiveStage.rawValue)
            try trainer.trainStep()
        }
        XCTAssertEqual(stages, [0, 0, 1, 1, 2, 2])
        XCTAssertEqual(trainer.history[0]["delta"], 0, "stage 0: no deltas yet")
        XCTAssertGreaterThan(trainer.history[5]["delta"]!, 0)
        XCTAssertEqual((trainer.model.encoder as! Encoder4Editing).progressiveStage, .delta(3))
        XCTAssertEqual(trainer.history[5]["stage"], 2)
    }

    func testPSpTrainsWithWNorm() throws {
        let (g, images) = try setUpGenerator()
        var options = smallOptions()
        options.lambdaWNorm = 0.005
        let trainer = try makeTrainer(.psp, generator: g, images: images, options: options)
        try trainer.trainStep()
        XCTAssertGreaterThan(trainer.history[0]["w_norm"]!, 0)
        XCTAssertNil(trainer.history[0]["delta"])
    }

    /// Stop after 3 steps, resume from the checkpoint in fresh objects, continue to 6: the same weights, optimiser
    /// state and batch stream as one uninterrupted run of 6 steps (crossing progressive stages, a Lookahead sync,
    /// latent-discriminator R1 steps and a full code pool).
    func testResumeAfterAKillIsExact() throws {
        let (g, images) = try setUpGenerator()
        var options = smallOptions()
        options.lambdaWDiscriminator = 0.1
        options.dRegEvery = 2
        options.wPoolSize = 3

        let straight = try makeTrainer(.e4e, generator: g, images: images, options: options)
        try straight.train(untilStep: 6, outDirectory: dir.appendingPathComponent("straight"))

        let killed = dir.appendingPathComponent("killed")
        let first = try makeTrainer(.e4e, generator: g, images: images, options: options)
        try first.train(untilStep: 3, outDirectory: killed)
        Torch.manualSeed(999)  // whatever the process did since, the checkpoint's RNG state is what counts
        let resumed = try EncoderTrainer.resuming(killed, data: TensorBatchSource(images: images),
                                                  perceptual: first.perceptual, identity: first.identity)
        resumed.quiet = true
        XCTAssertEqual(resumed.step, 3)
        XCTAssertEqual(resumed.options, options)
        try resumed.train(untilStep: 6, outDirectory: killed)

        XCTAssertEqual(resumed.history.map { $0["loss"]! }, Array(straight.history.map { $0["loss"]! }.suffix(3)))
        let a = straight.model.stateDict(), b = resumed.model.stateDict()
        XCTAssertEqual(a.map(\.name), b.map(\.name))
        for (x, y) in zip(a, b) { XCTAssertEqual(x.tensor.floats(), y.tensor.floats(), x.name) }
        let sa = try straight.checkpoint(), sb = try resumed.checkpoint()
        for (k, t) in sa.tensors(under: "optim") {
            XCTAssertEqual(t.floats(), sb.tensors(under: "optim")[k]?.floats(), k)
        }
        XCTAssertEqual(sa.tensors["rng.cpu"]?.int64s(), sb.tensors["rng.cpu"]?.int64s())
        for prefix in ["w_discriminator", "w_discriminator_optim", "w_pool"] {
            XCTAssertFalse(sa.tensors(under: prefix).isEmpty, prefix)
            for (k, t) in sa.tensors(under: prefix) {
                XCTAssertEqual(t.floats(), sb.tensors(under: prefix)[k]?.floats(), "\(prefix).\(k)")
            }
        }
        XCTAssertNotNil(straight.history[4]["d_r1"])
        XCTAssertNotNil(straight.history[5]["w_adv"])
    }

    func testRejectsMismatchedData() throws {
        let (g, images) = try setUpGenerator()
        XCTAssertThrowsError(try makeTrainer(.e4e, generator: g,
                                             images: Functional.interpolate(images, size: (64, 64)),
                                             options: smallOptions())) {
            XCTAssertTrue("\($0)".contains("32"), "\($0)")
        }
    }
}

final class EncoderTrainingOptionsTests: XCTestCase {
    func testJSONRoundTripKeepsNilProgressiveStartAndDefaultsMissingKeys() throws {
        var o = EncoderTrainingOptions()
        o.progressiveStart = nil
        o.lambdaWDiscriminator = 0.1
        XCTAssertEqual(try JSONDecoder().decode(EncoderTrainingOptions.self, from: try JSONEncoder().encode(o)), o)
        let old = try JSONDecoder().decode(EncoderTrainingOptions.self, from: Data(#"{"batch": 2, "progressiveStart": 7}"#.utf8))
        XCTAssertEqual(old.batch, 2)
        XCTAssertEqual(old.progressiveStart, 7)
        XCTAssertEqual(old.learningRate, EncoderTrainingOptions().learningRate)
    }
}
