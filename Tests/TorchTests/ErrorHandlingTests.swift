import XCTest
@testable import Torch

final class ErrorHandlingTests: XCTestCase {
    func testShapeMismatchInsideScopeIsASwiftError() {
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4, 5])
        XCTAssertThrowsError(try withTorchErrors { a.matmul(b) }) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("mat1") || message.contains("shape") || message.contains("size"), message)
            XCTAssertFalse(message.contains("\n"), "one line")
        }
        // The process lives and libtorch keeps working.
        XCTAssertEqual((a + 1).floats(), [Float](repeating: 1, count: 6))
    }

    func testFirstErrorIsReportedAndLaterOpsAreQuiet() {
        let a = Tensor.ones([2, 2])
        XCTAssertThrowsError(try withTorchErrors { () -> Tensor in
            let bad = Functional.conv2d(a, weight: Tensor.ones([1, 1, 3]))  // wrong rank: first failure
            let later = bad.relu() + a  // operates on the undefined result
            return later.sum()
        }) { error in
            XCTAssertTrue(String(describing: error).contains("conv2d"), String(describing: error))
        }
    }

    func testSuccessfulScopeReturnsValue() throws {
        let v = try withTorchErrors { (Tensor([1, 2, 3] as [Float]) * 2).sum().item() }
        XCTAssertEqual(v, 12)
    }

    func testNestedScopesKeepErrorsApart() throws {
        let outer = try withTorchErrors { () -> Double in
            XCTAssertThrowsError(try withTorchErrors { Tensor.zeros([2]).reshape([3]) })
            return Tensor.ones([3]).sum().item()
        }
        XCTAssertEqual(outer, 3)
    }

    func testInPlaceFailureIsCaught() {
        let a = Tensor.zeros([2, 2])
        XCTAssertThrowsError(try withTorchErrors { a.copy_(Tensor.zeros([3])) })
    }

    func testDeviceParsing() throws {
        XCTAssertEqual(try Device.parse("cpu"), .cpu)
        XCTAssertThrowsError(try Device.parse("tpu"))
        XCTAssertThrowsError(try Device.parse("cuda:x"))
        if !Torch.cudaIsAvailable {
            XCTAssertEqual(try Device.parse("auto"), .cpu)
            XCTAssertThrowsError(try Device.parse("cuda:0")) { error in
                XCTAssertTrue(String(describing: error).contains("not available"))
            }
        }
    }
}
