@testable import Pipelines
import XCTest

/// Which arguments spare the restart that sets OpenMP's wait policy: only an explicit single thread.
final class OpenMPWaitPolicyTests: XCTestCase {
    func testOnlyOneThreadAskedForSparesTheRestart() {
        XCTAssertTrue(OpenMPWaitPolicy.asksForOneThread(["gradstyle", "demo", "--threads", "1"]))
        XCTAssertTrue(OpenMPWaitPolicy.asksForOneThread(["gradstyle", "--threads=1", "demo"]))
        XCTAssertFalse(OpenMPWaitPolicy.asksForOneThread(["gradstyle", "demo", "--threads", "2"]))
        XCTAssertFalse(OpenMPWaitPolicy.asksForOneThread(["gradstyle", "demo", "--threads", "12"]))
        XCTAssertFalse(OpenMPWaitPolicy.asksForOneThread(["gradstyle", "demo", "--count", "1"]))
        XCTAssertFalse(OpenMPWaitPolicy.asksForOneThread(["gradstyle", "demo", "--threads"]))
    }
}
