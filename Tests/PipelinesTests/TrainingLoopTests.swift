import Foundation
import ImageIO
import NN
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// The training loop on a toy step (a 1→1 linear model fitted to y = 3x + noise): cadence, exact resume, and the
/// data-parallel seam, each against what its definition says.
final class TrainingLoopTests: XCTestCase {
    /// Fits y = 3x: batches are drawn by a `TensorBatchSource` (libtorch's generator), every step also draws noise, so
    /// a resume that lost the RNG or the data position would diverge.
    final class ToyStep: TrainingStep {
        static let checkpointKind = "test.toy"
        static let checkpointDescription = "a toy training checkpoint"
        let label = "train toy"
        struct Options: Codable { var batch = 4 }
        let options = Options()
        let cadence: TrainingCadence
        let device = Device.cpu
        let quiet = true
        let model = Linear(1, 1)
        let optimizer: Adam
        let data: TensorBatchSource
        private(set) var step = 0
        /// The size of each batch the step trained on.
        var batchSizes: [Int] = []

        init(sampleEvery: Int? = 2, checkpointEvery: Int = 3) {
            cadence = TrainingCadence(batch: 4, sampleEvery: sampleEvery, checkpointEvery: checkpointEvery)
            data = TensorBatchSource(images: Tensor((0..<10).map { Float($0) / 10 }, shape: [10, 1, 1, 1]))
            optimizer = Adam(model.parameters(), learningRate: 0.05)
        }

        func nextBatch() throws -> Tensor { try data.nextBatch(cadence.batch) }

        func train(on batch: Tensor, parallel: DataParallelism) throws -> Double {
            batchSizes.append(batch.size(0))
            let x = batch.reshape([-1, 1])
            let y = x * 3 + Tensor.randn(x.shape) * 0.01
            let loss = (model(x) - y).square().mean()
            optimizer.zeroGrad()
            loss.backward()
            try parallel.step(optimizer)
            step += 1
            return loss.item()
        }

        func lossTerms(_ loss: Double) -> [String: Double] { ["loss": loss] }
        func status(_ loss: Double) -> String { "loss \(loss)" }
        func sample() throws -> RasterImage? { try RasterImage(width: 1, height: 1, channels: 3, fill: UInt8(step)) }

        func store(in c: inout TrainingCheckpoint) throws {
            c.store(model, as: "model")
            c.store(optimizer, as: "optim")
            c.store(position: data.resumePosition, as: "data")
        }

        func restore(from c: TrainingCheckpoint, step: Int) throws {
            try c.restore(model, from: "model")
            try c.restore(optimizer, from: "optim")
            try data.restore(resumePosition: c.position("data"))
            self.step = step
        }

        func export(to outDirectory: URL) throws {
            try Data("\(step)".utf8).write(to: outDirectory.appendingPathComponent("exported.txt"))
        }

        var replicatedTensors: [Tensor] { model.replicatedTensors }
    }

    /// Rank `rank` of `worldSize` processes that are not there: counts the hooks instead of communicating.
    final class RecordingParallel: DataParallelism {
        let rank: Int
        let worldSize: Int
        var broadcasts = 0
        var averagedGradients: [Int] = []

        init(rank: Int, worldSize: Int) { (self.rank, self.worldSize) = (rank, worldSize) }

        func broadcast(_ tensors: [Tensor]) throws { broadcasts += 1 }
        func averageGradients(_ parameters: [Tensor]) throws {
            // Called after backward: every parameter has a gradient.
            averagedGradients.append(parameters.filter { $0.grad != nil }.count)
        }
        func averageValues(_ tensors: [Tensor]) throws {}
        var allReduceSeconds: Double { 0 }
    }

    func tmpDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("loop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func files(_ dir: URL) throws -> [String] {
        let fm = FileManager.default
        return try fm.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted()
            + ((try? fm.contentsOfDirectory(atPath: dir.appendingPathComponent("samples").path)) ?? []).sorted()
    }

    func testCadenceWritesSamplesAndCheckpointsAtTheirStepsAndAtTheEnd() throws {
        let dir = try tmpDir()
        Torch.manualSeed(1)
        let step = ToyStep(sampleEvery: 2, checkpointEvery: 3)
        try TrainingLoop(step).run(until: .steps(7), outDirectory: dir)
        XCTAssertEqual(step.step, 7)
        // Samples at 2, 4, 6 and the last step 7; the export last written at step 7 (checkpoints at 3, 6, 7).
        XCTAssertEqual(try files(dir), ["checkpoint.safetensors", "exported.txt", "samples",
                                        "000002.png", "000004.png", "000006.png", "000007.png"])
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("exported.txt")), "7")
        let c = try TrainingCheckpoint.read(dir.appendingPathComponent(TrainingFiles.checkpoint))
        XCTAssertEqual(c.metadata["kind"], "test.toy")
        XCTAssertEqual(c.metadata["step"], "7")
        XCTAssertEqual(c.metadata["options"], #"{"batch":4}"#)
        XCTAssertNotNil(c.tensors["rng.cpu"])
    }

    func testNoSamplesFolderWithoutSamples() throws {
        let dir = try tmpDir()
        let step = ToyStep(sampleEvery: nil, checkpointEvery: 2)
        try TrainingLoop(step).run(until: .steps(3), outDirectory: dir)
        XCTAssertEqual(try files(dir), ["checkpoint.safetensors", "exported.txt"])
    }

    /// Stop at 3, resume in a fresh step (other RNG state), continue to 7: the checkpoint file is byte-identical to
    /// the uninterrupted run's.
    func testResumeIsExact() throws {
        let (a, b) = (try tmpDir(), try tmpDir())
        Torch.manualSeed(3)
        try TrainingLoop(ToyStep()).run(until: .steps(7), outDirectory: a)
        Torch.manualSeed(3)
        try TrainingLoop(ToyStep()).run(until: .steps(3), outDirectory: b)
        Torch.manualSeed(12345)
        let resumed = ToyStep()
        let loop = TrainingLoop(resumed)
        XCTAssertTrue(try loop.resumeIfPossible(b))
        XCTAssertEqual(resumed.step, 3)
        XCTAssertEqual(loop.resumeNotes, [])
        try loop.run(until: .steps(7), outDirectory: b)
        let name = TrainingFiles.checkpoint
        XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(name)), try Data(contentsOf: b.appendingPathComponent(name)))
        XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent("samples/000007.png")),
                       try Data(contentsOf: b.appendingPathComponent("samples/000007.png")))
    }

    func testRestoreRefusesAnotherKindNamingTheFile() throws {
        var c = try TrainingLoop(ToyStep()).checkpoint()
        c.metadata["kind"] = "gradstyle.train.stylegan2"
        XCTAssertThrowsError(try ToyStep().restore(c, path: "/x/checkpoint.safetensors")) {
            XCTAssertTrue("\($0)".contains("/x/checkpoint.safetensors"), "\($0)")
            XCTAssertTrue("\($0)".contains("not a toy training checkpoint"), "\($0)")
        }
        c.metadata["kind"] = "test.toy"
        c.metadata["step"] = nil
        XCTAssertThrowsError(try ToyStep().restore(c, path: "/x/checkpoint.safetensors")) {
            XCTAssertTrue("\($0)".contains("has no step"), "\($0)")
        }
    }

    /// Resume notes name the options that changed, nested ones included, and nothing else (a nested option used to
    /// be compared by its dictionary description, whose order varies).
    func testResumeNotesNameOnlyChangedOptions() throws {
        struct Mixture: Codable { var none = 0.25, small = 0.25, large = 0.5, smallStrength = 0.05 }
        struct Options: Codable { var batch = 4; var optimizer = "adam"; var mix = Mixture() }
        var c = TrainingCheckpoint()
        c.metadata["options"] = try StableJSON.string(Options())
        for _ in 0..<20 { XCTAssertEqual(try c.changedOptions(Options()), []) }
        var changed = Options()
        changed.batch = 8
        changed.mix.small = 0.5
        changed.optimizer = "ranger"
        let notes = try c.changedOptions(changed)
        XCTAssertEqual(notes.count, 3, "\(notes)")
        XCTAssertEqual(notes.first, "batch: 4 in the checkpoint, 8 now")
        XCTAssertTrue(notes[1].hasPrefix("mix: {") && notes[1].contains(#""small":0.5"#), notes[1])
        XCTAssertEqual(notes.last, "optimizer: adam in the checkpoint, ranger now")
    }

    func testTrainingLengthInThousandsOfImagesRoundsUpToWholeSteps() {
        XCTAssertEqual(TrainingLength.steps(9).finalStep(batch: 4), 9)
        XCTAssertEqual(TrainingLength.kimg(0.02).finalStep(batch: 4), 5)     // 20 images / 4
        XCTAssertEqual(TrainingLength.kimg(0.021).finalStep(batch: 4), 6)    // 21 images need a sixth batch
        XCTAssertEqual(TrainingLength.kimg(1).finalStep(batch: 3), 334)
    }

    /// (a) The slices of a global batch: contiguous, disjoint, covering it in rank order, sizes differing by at most one.
    func testLocalRangesPartitionTheGlobalBatch() {
        for world in 1...5 {
            for count in world...13 {
                let ranges = (0..<world).map { RecordingParallel(rank: $0, worldSize: world).localRange(count: count) }
                XCTAssertEqual(ranges.first?.lowerBound, 0)
                XCTAssertEqual(ranges.last?.upperBound, count)
                for (r, next) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(r.upperBound, next.lowerBound) }
                let sizes = ranges.map(\.count)
                XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "world \(world), count \(count)")
                XCTAssertEqual(sizes.reduce(0, +), count)
            }
        }
        XCTAssertEqual([1, 2, 3, 4, 5].slice(RecordingParallel(rank: 1, worldSize: 2).localRange(count: 5)), [4, 5])
    }

    /// (a)–(d) on a non-writing rank: half the batch, gradients averaged before every optimiser step, one broadcast,
    /// nothing written.
    func testASecondRankTrainsOnItsSliceAndWritesNothing() throws {
        let dir = try tmpDir()
        let step = ToyStep(sampleEvery: 1, checkpointEvery: 1)
        let parallel = RecordingParallel(rank: 1, worldSize: 2)
        try TrainingLoop(step, parallel: parallel).run(until: .steps(3), outDirectory: dir)
        XCTAssertEqual(step.batchSizes, [2, 2, 2])
        XCTAssertEqual(parallel.averagedGradients, [2, 2, 2], "weight and bias, at each of the 3 steps")
        XCTAssertEqual(parallel.broadcasts, 1)
        XCTAssertEqual(try files(dir), [])
    }

    /// With one process the loop's batch is the drawn batch itself, and no hook runs.
    func testSingleProcessUsesTheWholeBatch() throws {
        let x = Tensor.randn([5, 3, 2, 2])
        XCTAssertTrue(SingleProcess().localPart(of: x) === x)
        let step = ToyStep()
        try TrainingLoop(step).run(until: .steps(2), outDirectory: try tmpDir())
        XCTAssertEqual(step.batchSizes, [4, 4])
    }
}
