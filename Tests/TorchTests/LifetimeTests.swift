import XCTest
@testable import Torch

/// Handles of temporaries must stay valid for the duration of every shim call that uses them.
final class LifetimeTests: XCTestCase {
    func testChainedTemporariesManyTimes() {
        let x = Tensor([1, -2, 3, -4] as [Float])
        for i in 0..<5_000 {
            // Every intermediate is a temporary released right after its last use.
            let y = ((x * Double(i % 3)) + Tensor.ones([4])).relu().sum(dim: 0, keepDim: true).reshape([1])
            if i % 1000 == 0 {
                let k = Float(i % 3)
                let expected = [Float(1 + k), Float(1 - 2 * k), Float(1 + 3 * k), Float(1 - 4 * k)].map { Swift.max($0, 0) }.reduce(0, +)
                XCTAssertEqual(y.floats(), [expected])
            }
        }
    }

    func testListOperandsAreTemporaries() {
        for _ in 0..<2_000 {
            let c = Tensor.cat([Tensor.ones([2]), Tensor.zeros([3]), Tensor.full([1], 7)])
            XCTAssertEqual(c.count, 6)
        }
        let c = Tensor.cat([Tensor.ones([2]), Tensor.zeros([1]), Tensor.full([1], 7)])
        XCTAssertEqual(c.floats(), [1, 1, 0, 7])
    }

    func testViewsOutliveTheirBase() {
        var view: Tensor? = nil
        do {
            let base = Tensor.arange(0, 12).reshape([3, 4])
            view = base.transpose(0, 1).narrow(dim: 0, start: 1, length: 2)
        }
        XCTAssertEqual(view!.contiguous().floats(), [1, 5, 9, 2, 6, 10])
    }

    func testRebindKeepsHoldersInSync() {
        let p = Tensor.zeros([2]).requiresGrad(true)
        let holder = [p]
        p.rebind(to: Tensor.ones([2], dtype: .float64).requiresGrad(true))
        XCTAssertEqual(holder[0].dtype, .float64)
        XCTAssertEqual(holder[0].floats(), [1, 1])
        XCTAssertTrue(holder[0].requiresGrad)
    }

    func testConcurrentThreadsEachOwnTheirTensors() {
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            for _ in 0..<500 {
                let t = Tensor.full([8], Double(i)) * 2
                XCTAssertEqual(t.sum().item(), Double(16 * i))
            }
        }
    }
}
