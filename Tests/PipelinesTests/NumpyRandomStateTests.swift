@testable import Pipelines
import XCTest

/// Against values printed by numpy 2.4 `np.random.RandomState(seed).randn(n)` (the legacy generator the reference
/// scripts use for seeds).
final class NumpyRandomStateTests: XCTestCase {
    func testMatchesNumpyLegacyGaussian() {
        let cases: [(UInt32, [Double])] = [
            (0, [1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675]),
            (123_456, [0.4691122999071863, -0.2828633443286633, -1.5090585031735124]),
            (4_294_967_295, [0.6484086742306527, 0.6693235306338161]),
        ]
        for (seed, expected) in cases {
            var rs = NumpyRandomState(seed: seed)
            let got = rs.randn(expected.count)
            for (g, e) in zip(got, expected) { XCTAssertEqual(g, e, accuracy: 1e-14, "seed \(seed)") }
        }
    }
}
