import Foundation
import Models
import NN
@testable import Pipelines
import Torch
import XCTest

final class StyleGAN2TrainerTests: XCTestCase {
    let config = GeneratorConfig(size: 8, styleDim: 8, mappingLayers: 2, channels: [4: 8, 8: 8])

    func tmpDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sg2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    /// Reddish images with a little variation: a distribution the generator can visibly move towards.
    func data() -> TensorBatchSource {
        Torch.manualSeed(99)
        let base = Tensor([0.8, -0.6, -0.6] as [Float], shape: [1, 3, 1, 1])
        return TensorBatchSource(images: (base + Tensor.randn([32, 3, 8, 8]) * 0.05).clamp(min: -1, max: 1))
    }

    func smallOptions() -> StyleGAN2TrainingOptions {
        var o = StyleGAN2TrainingOptions()
        o.batch = 4
        o.dRegEvery = 2
        o.gRegEvery = 2
        o.emaKimg = 0.01
        o.sampleCount = 4
        return o
    }

    func testTrainingMovesTheGeneratorTowardsTheData() throws {
        Torch.manualSeed(1)
        let source = data()
        let trainer = try StyleGAN2Trainer(generator: config, data: source, options: smallOptions())
        trainer.quiet = true
        let target = Tensor([0.8, -0.6, -0.6] as [Float])
        func colourError() -> Double {
            withNoGrad {
                let z = Tensor.randn([16, 8])
                let img = trainer.generator.generate(z: z, noise: .none)
                return (img.mean(dims: [0, 2, 3]) - target).square().sum().item()
            }
        }
        let before = colourError()
        var dLosses: [Double] = []
        for _ in 0..<60 { dLosses.append(try trainer.trainStep().d) }
        let after = colourError()
        XCTAssertLessThan(after, before * 0.5, "generator mean colour error \(before) → \(after)")
        // D learns to separate at first: its loss drops below the chance level 2·ln 2 early in training.
        XCTAssertLessThan(dLosses.prefix(20).min()!, 2 * log(2.0))
        XCTAssertNotNil(trainer.history.first?.r1)
        XCTAssertNotNil(trainer.history.first?.pathLength)
    }

    func testResumeReproducesAnUninterruptedRun() throws {
        let dirA = try tmpDir(), dirB = try tmpDir()
        Torch.manualSeed(5)
        let a = try StyleGAN2Trainer(generator: config, data: data(), options: smallOptions())
        a.quiet = true
        try a.train(untilStep: 5, outDirectory: dirA)

        Torch.manualSeed(5)
        let b1 = try StyleGAN2Trainer(generator: config, data: data(), options: smallOptions())
        b1.quiet = true
        try b1.train(untilStep: 3, outDirectory: dirB)
        // "kill": a fresh process state, different RNG, new objects; resume from the checkpoint on disk
        Torch.manualSeed(12345)
        let b2 = try StyleGAN2Trainer(generator: config, data: data(), options: smallOptions())
        b2.quiet = true
        XCTAssertTrue(try b2.resumeIfPossible(dirB))
        XCTAssertEqual(b2.step, 3)
        try b2.train(untilStep: 5, outDirectory: dirB)

        for (m1, m2) in [(a.generator, b2.generator), (a.discriminator, b2.discriminator), (a.generatorEMA, b2.generatorEMA)] as [(Module, Module)] {
            let s1 = Dictionary(uniqueKeysWithValues: m1.stateDict().map { ($0.name, $0.tensor) })
            for (name, t) in m2.stateDict() {
                XCTAssertEqual(t.floats(), s1[name]!.floats(), "\(name) differs after resume")
            }
        }
        XCTAssertEqual(a.meanPathLength, b2.meanPathLength)
        // the exported generator loads through the ordinary loader
        let g = try GeneratorCheckpoint.load(dirB.appendingPathComponent("generator.safetensors"))
        XCTAssertEqual(g.generator.config, config)
        XCTAssertNotNil(g.generator.latentAverage)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dirB.appendingPathComponent("samples/000005.png").path))
    }

    func testResumeRejectsADifferentArchitecture() throws {
        let dir = try tmpDir()
        let a = try StyleGAN2Trainer(generator: config, data: data(), options: smallOptions())
        a.quiet = true
        try a.train(untilStep: 1, outDirectory: dir)
        var other = config
        other.channels = [4: 16, 8: 8]
        let b = try StyleGAN2Trainer(generator: other, data: data(), options: smallOptions())
        XCTAssertThrowsError(try b.resumeIfPossible(dir)) { XCTAssertTrue("\($0)".contains("checkpoint.safetensors"), "\($0)") }
    }
}
