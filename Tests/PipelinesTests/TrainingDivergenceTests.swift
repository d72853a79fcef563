import Foundation
import Models
import NN
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// A training step whose loss is not finite stops the run before anything is written: the last good checkpoint
/// stays as it was, byte for byte.
final class TrainingDivergenceTests: XCTestCase {
    /// Good images until `poisonAfter` batches, then NaN images (as a corrupt input or an overflow would give).
    final class PoisonedSource: BatchSource {
        let inner: TensorBatchSource
        let poisonAfter: Int
        var served = 0
        init(_ inner: TensorBatchSource, poisonAfter: Int) {
            self.inner = inner
            self.poisonAfter = poisonAfter
        }
        func nextBatch(_ count: Int) throws -> Tensor {
            served += 1
            let batch = try inner.nextBatch(count)
            return served > poisonAfter ? batch * Double.nan : batch
        }
        var resumePosition: [String: [Int64]] { inner.resumePosition }
        func restore(resumePosition position: [String: [Int64]]) throws { try inner.restore(resumePosition: position) }
        var resolution: Int { inner.resolution }
        var count: Int { inner.count }
        func firstImages(_ n: Int) throws -> Tensor { try inner.firstImages(n) }
    }

    func testStyleGAN2StopsOnANaNLossKeepingTheLastCheckpoint() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("diverge-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        Torch.manualSeed(4)
        let images = TensorBatchSource(images: Tensor.rand([8, 3, 8, 8]) * 2 - 1)
        var options = StyleGAN2TrainingOptions()
        options.batch = 2
        options.checkpointEvery = 2
        options.sampleEvery = 100
        options.sampleCount = 2
        let trainer = try StyleGAN2Trainer(generator: GeneratorConfig(size: 8, styleDim: 8, mappingLayers: 1, channels: [4: 8, 8: 8]),
                                           data: PoisonedSource(images, poisonAfter: 2), options: options)
        trainer.quiet = true
        try trainer.train(untilStep: 2, outDirectory: out)
        let checkpoint = out.appendingPathComponent("checkpoint.safetensors")
        let generator = out.appendingPathComponent("generator.safetensors")
        let (before, gBefore) = (try Data(contentsOf: checkpoint), try Data(contentsOf: generator))

        XCTAssertThrowsError(try trainer.train(untilStep: 6, outDirectory: out)) { error in
            XCTAssertTrue(error is TrainingDiverged, "\(error)")
            XCTAssertTrue("\(error)".contains("training diverged at step 3"), "\(error)")
            XCTAssertTrue("\(error)".contains("is NaN"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: checkpoint), before, "the last good checkpoint was overwritten")
        XCTAssertEqual(try Data(contentsOf: generator), gBefore)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(),
                       ["checkpoint.safetensors", "generator.safetensors", "samples"])
    }

    func testNonFiniteTensorsAreNeverWritten() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nan-\(UUID().uuidString).safetensors")
        var dict = StateDict()
        dict["w"] = HostTensor(float32: [1, .nan], shape: [2])
        XCTAssertThrowsError(try SafeTensors.write(dict, to: url)) { error in
            XCTAssertTrue("\(error)".contains("tensor 'w' holds NaN at element 1"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testDivergenceCheckNamesTheTerm() {
        XCTAssertNoThrow(try TrainingDivergence.check(["a": 1, "b": -3], step: 1, outDirectory: URL(fileURLWithPath: "/x")))
        XCTAssertThrowsError(try TrainingDivergence.check(["a": 1, "b": .infinity], step: 7, outDirectory: URL(fileURLWithPath: "/x"))) {
            XCTAssertEqual(($0 as? TrainingDiverged)?.term, "b")
            XCTAssertEqual(($0 as? TrainingDiverged)?.step, 7)
        }
    }
}
