import Foundation
@testable import Pipelines
import Torch
import XCTest

/// The thread count a run uses when `--threads` is not given.
final class RuntimeDefaultsTests: XCTestCase {
    func testDefaultThreadsFollowOMPNumThreadsElseTheCores() {
        XCTAssertEqual(RuntimeSettings.defaultThreads(environment: [:], cores: 2), 2)
        XCTAssertEqual(RuntimeSettings.defaultThreads(environment: ["OMP_NUM_THREADS": "1"], cores: 16), 1)
        XCTAssertEqual(RuntimeSettings.defaultThreads(environment: ["OMP_NUM_THREADS": " 3 "], cores: 2), 3)
        // Not a count: the cores, as libtorch would ignore it too.
        XCTAssertEqual(RuntimeSettings.defaultThreads(environment: ["OMP_NUM_THREADS": "0"], cores: 4), 4)
        XCTAssertEqual(RuntimeSettings.defaultThreads(environment: ["OMP_NUM_THREADS": "many"], cores: 4), 4)
        XCTAssertEqual(RuntimeSettings.defaultThreads(environment: [:], cores: 0), 1)
    }

    func testApplySetsTheThreadsEvenWhenNotGiven() throws {
        let before = Torch.numThreads
        defer { Torch.numThreads = before }
        var settings = RuntimeSettings()
        settings.threads = 1
        _ = try settings.apply()
        XCTAssertEqual(Torch.numThreads, 1)
        settings.threads = nil
        _ = try settings.apply()
        XCTAssertEqual(Torch.numThreads, RuntimeSettings.defaultThreads())
    }
}
