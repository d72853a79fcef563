import XCTest
import Torch
@testable import NN

final class ClipGradNormTests: XCTestCase {
    /// Parameters whose gradients are exactly `grads` (loss = Σ g·p).
    private func parameters(withGradients grads: [[Double]]) -> [Tensor] {
        grads.map { g in
            let p = Tensor.zeros([g.count], dtype: .float64).requiresGrad(true)
            (p * Tensor(g, shape: [g.count])).sum().backward()
            return p
        }
    }

    func testScalesToMaxNormAndReturnsTotal() {
        let grads = [[3.0, 4.0], [12.0], [0.0, 0.0, 84.0]]
        let total = (9.0 + 16 + 144 + 7056).squareRoot()  // 85
        let params = parameters(withGradients: grads) + [Tensor.zeros([2]).requiresGrad(true)]  // last: no gradient
        let returned = clipGradNorm(params, maxNorm: 17)
        XCTAssertEqual(returned, total, accuracy: 1e-12)
        let scale = 17 / (total + 1e-6)
        for (p, g) in zip(params, grads) {
            assertClose(p.grad!.doubles(), g.map { $0 * scale }, atol: 1e-12, rtol: 1e-12, "clipped")
        }
        XCTAssertNil(params[3].grad)
    }

    func testLeavesSmallGradientsAlone() {
        let grads = [[0.3, -0.4]]
        let params = parameters(withGradients: grads)
        XCTAssertEqual(clipGradNorm(params, maxNorm: 1), 0.5, accuracy: 1e-12)
        XCTAssertEqual(params[0].grad!.doubles(), grads[0])
    }

    func testInfinityAndOtherNorms() {
        let params = parameters(withGradients: [[1.0, -6.0], [2.0]])
        XCTAssertEqual(clipGradNorm(params, maxNorm: 3, normType: .infinity), 6, accuracy: 1e-12)
        assertClose(params[0].grad!.doubles(), [1.0, -6.0].map { $0 * 3 / (6 + 1e-6) }, atol: 1e-12, rtol: 1e-12, "inf")

        let l1 = parameters(withGradients: [[1.0, -6.0], [2.0]])
        XCTAssertEqual(clipGradNorm(l1, maxNorm: 100, normType: 1), 9, accuracy: 1e-12)
    }

    func testNoGradientsGivesZero() {
        XCTAssertEqual(clipGradNorm([Tensor.zeros([2]).requiresGrad(true)], maxNorm: 1), 0)
    }
}
