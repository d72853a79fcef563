import Foundation
import ImageIO
@testable import Pipelines
import Torch
import XCTest

/// What every training job does around the loop (`TrainingSession`), through the smallest one, StyleGAN2 at 8²: a
/// new run refuses a folder holding a checkpoint, a resume says where it starts, a finished run has nothing to do.
final class TrainingJobTests: XCTestCase {
    func tmpDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("job-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    /// Four flat 8² images and a job over them writing into `out`, its messages collected in `said`.
    func job(_ dir: URL, out: String, steps: Int, said: @escaping (String) -> Void) throws -> StyleGAN2TrainingJob {
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for i in 0..<4 {
            try ImageFile.write(try RasterImage(width: 8, height: 8, channels: 3, fill: UInt8(40 * i)),
                                to: data.appendingPathComponent("\(i).png"))
        }
        var job = StyleGAN2TrainingJob(data: data, out: dir.appendingPathComponent(out), resolution: 8, length: .steps(steps))
        job.styleDim = 8
        job.mappingLayers = 1
        job.channels = [4: 8, 8: 8]
        job.options.batch = 2
        job.trainingRun.quiet = true
        job.trainingRun.messages = TrainingMessages(say: said, note: { said("note: \($0)") })
        return job
    }

    func testANewRunRefusesAFolderHoldingACheckpointAndAResumeContinuesIt() throws {
        let dir = try tmpDir()
        var said: [String] = []
        Torch.manualSeed(1)
        try job(dir, out: "run", steps: 2) { said.append($0) }.run()
        XCTAssertEqual(said.count, 2, "\(said)")
        XCTAssertTrue(said[0].hasPrefix("training 8² StyleGAN2"), said[0])
        XCTAssertTrue(said[0].hasSuffix("on 4 images until step 2"), said[0])
        XCTAssertTrue(said[1].hasPrefix("done: "), said[1])
        let checkpoint = dir.appendingPathComponent("run/checkpoint.safetensors")
        let before = try Data(contentsOf: checkpoint)

        XCTAssertThrowsError(try job(dir, out: "run", steps: 4) { _ in }.run()) { error in
            XCTAssertTrue(error is TrainingCheckpointExists, "\(error)")
            XCTAssertTrue("\(error)".contains("run already holds a training checkpoint"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: checkpoint), before, "a refused run changed the checkpoint")

        said = []
        var resumed = try job(dir, out: "run", steps: 2) { said.append($0) }
        resumed.trainingRun.resume = true
        try resumed.run()
        XCTAssertEqual(said, ["resumed at step 2", "\(dir.appendingPathComponent("run").relativePath) is already at step 2 (target 2): nothing to train"])
        XCTAssertEqual(try Data(contentsOf: checkpoint), before)

        said = []
        resumed.length = .kimg(0.008)   // 8 images at batch 2: step 4
        try resumed.run()
        XCTAssertEqual(said.first, "resumed at step 2")
        XCTAssertTrue(said[1].hasSuffix("until step 4"), said[1])
        let c = try TrainingCheckpoint.read(checkpoint)
        XCTAssertEqual(c.metadata["step"], "4")
    }

    /// A batch that does not split into D's minibatch-stddev groups is one clear error before anything starts (the
    /// layer would otherwise stop the process on a precondition); smaller batches form one group, as in rosinality's.
    func testABatchThatDoesNotSplitIntoStddevGroupsIsRefusedBeforeTheRunStarts() throws {
        let dir = try tmpDir()
        var refused = try job(dir, out: "run", steps: 1) { _ in }
        refused.options.batch = 6
        XCTAssertThrowsError(try refused.run()) { error in
            XCTAssertEqual("\(error)", "the batch per process, 6, does not split into the discriminator's " +
                           "minibatch-stddev groups of 4: use a multiple of 4 or fewer than 4 images per process")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("run").path))
        for (batch, group) in [(2, 4), (3, 4), (4, 4), (8, 4), (6, 3), (5, 1)] {
            XCTAssertNoThrow(try StyleGAN2TrainingJob.checkStddevGroup(group, batch: batch), "batch \(batch), group \(group)")
        }
        XCTAssertThrowsError(try StyleGAN2TrainingJob.checkStddevGroup(4, batch: 10))
    }

    /// Resuming a folder without a checkpoint starts a new run.
    func testResumeWithoutACheckpointStartsANewRun() throws {
        let dir = try tmpDir()
        var said: [String] = []
        var j = try job(dir, out: "fresh", steps: 1) { said.append($0) }
        j.trainingRun.resume = true
        try j.run()
        XCTAssertTrue(said.first?.hasPrefix("training ") ?? false, "\(said)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("fresh/generator.safetensors").path))
    }
}
