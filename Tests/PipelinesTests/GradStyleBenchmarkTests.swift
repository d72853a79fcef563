import Foundation
import Models
@testable import Pipelines
import Torch
import XCTest

/// `bench gradstyle` on a tiny model: every stage at every batch, with throughput consistent with its timing
/// (the figures themselves are for docs/PERFORMANCE.md, not for tests).
final class GradStyleBenchmarkTests: XCTestCase {
    func testEveryStageAtEveryBatch() throws {
        let (model, _) = try makeTinyGradStyle()
        let r = GradStyleBenchmark(model: model, description: "tiny", batches: [1, 2], repeats: 1).run(convPeakGFLOPS: 100)
        XCTAssertEqual(r.rows.map(\.stage), GradStyleBenchmark.stageNames + GradStyleBenchmark.stageNames)
        XCTAssertEqual(r.rows.map(\.batch), Array(repeating: 1, count: 5) + Array(repeating: 2, count: 5))
        for row in r.rows {
            XCTAssertGreaterThan(row.secondsPerBatch, 0)
            XCTAssertEqual(row.imagesPerSecond * row.secondsPerBatch, Double(row.batch), accuracy: 1e-9)
            XCTAssertEqual(row.secondsPerImage * Double(row.batch), row.secondsPerBatch, accuracy: 1e-12)
        }
        // GFLOP/s is counted for the encoder and generator stages only, from the same FLOP formulas as their benchmarks
        let generator = r.rows.first { $0.stage == "generator" }!
        XCTAssertEqual(generator.gflops!, GeneratorBenchmark.flopsPerImage(model.generator.config) / generator.secondsPerImage / 1e9,
                       accuracy: 1e-6 * generator.gflops!)
        XCTAssertEqual(generator.percentOfPeak!, generator.gflops!, accuracy: 1e-9)  // peak 100 GFLOP/s
        XCTAssertNil(r.rows.first { $0.stage == "invert + one edit" }!.gflops)
        XCTAssertEqual(GradStyleBenchmark.best(r.rows, stage: "encode")?.stage, "encode")
        XCTAssertEqual(r.stages, [4, 8, 16])
    }
}
