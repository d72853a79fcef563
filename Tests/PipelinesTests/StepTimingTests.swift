@testable import Pipelines
import XCTest

/// The data-parallel summary's figures, against values worked out by hand.
final class StepTimingTests: XCTestCase {
    func testTheSummaryAveragesTheStepsAfterTheFirst() throws {
        var timing = StepTiming()
        XCTAssertNil(timing.summary(rank: 0, worldSize: 2, globalBatch: 32))
        timing.record(seconds: 1.0, allReduce: 0.5)    // the first step: start-up costs, left out
        timing.record(seconds: 0.2, allReduce: 0.01)
        timing.record(seconds: 0.4, allReduce: 0.03)
        // Means over the last two: 0.3 s and 0.02 s; 32 / 0.3 = 106.7 images/s; 0.02 / 0.3 = 6.7%.
        XCTAssertEqual(timing.summary(rank: 0, worldSize: 2, globalBatch: 32),
                       "rank 0 of 2: 0.300 s/step, 106.7 images/s (global batch 32), gradient all-reduce 20.0 ms/step " +
                       "(6.7% of a step); 2 steps timed, the first left out")
    }

    func testASingleStepIsItsOwnFigure() {
        var timing = StepTiming()
        timing.record(seconds: 0.5, allReduce: 0.005)
        XCTAssertEqual(timing.summary(rank: 0, worldSize: 4, globalBatch: 8),
                       "rank 0 of 4: 0.500 s/step, 16.0 images/s (global batch 8), gradient all-reduce 5.0 ms/step " +
                       "(1.0% of a step); 1 step timed")
    }
}
