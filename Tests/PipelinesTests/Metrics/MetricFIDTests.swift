import Foundation
@testable import Pipelines
import Torch
import XCTest

/// Fréchet distance against closed forms, FID of a set with itself, KID against a direct formula.
final class MetricFIDTests: XCTestCase {
    func t(_ values: [Double], _ shape: [Int]) -> Tensor { Tensor(values, shape: shape) }

    func testDiagonalGaussiansClosedForm() throws {
        // Commuting covariances: tr √(Σ1Σ2) = Σ √(a_i b_i), so d² = ‖Δμ‖² + Σ (√a_i − √b_i)².
        let a = [1.0, 4.0, 9.0], b = [4.0, 1.0, 0.25]
        let mu1 = [0.0, 1.0, -2.0], mu2 = [1.0, 1.0, 0.5]
        var expected = zip(mu1, mu2).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        expected += zip(a, b).map { ($0.squareRoot() - $1.squareRoot()) * ($0.squareRoot() - $1.squareRoot()) }.reduce(0, +)
        func diag(_ v: [Double]) -> Tensor {
            t((0..<9).map { $0 % 4 == 0 ? v[$0 / 4] : 0 }, [3, 3])
        }
        let d = try FrechetDistance.compute(mean1: t(mu1, [3]), covariance1: diag(a), mean2: t(mu2, [3]), covariance2: diag(b))
        XCTAssertEqual(d, expected, accuracy: 1e-12)
        XCTAssertEqual(expected, 1 + 6.25 + 1 + 1 + 6.25, accuracy: 1e-12)
    }

    func testNonCommutingTwoByTwoClosedForm() throws {
        // For 2×2, tr √M = √(tr M + 2√det M) (M = Σ1Σ2 has positive eigenvalues).
        let s1 = [2.0, 1.0, 1.0, 2.0], s2 = [1.0, 0.3, 0.3, 4.0]
        let m = [s1[0] * s2[0] + s1[1] * s2[2], s1[0] * s2[1] + s1[1] * s2[3],
                 s1[2] * s2[0] + s1[3] * s2[2], s1[2] * s2[1] + s1[3] * s2[3]]
        let traceSqrt = (m[0] + m[3] + 2 * (m[0] * m[3] - m[1] * m[2]).squareRoot()).squareRoot()
        let mu1 = [0.5, -1.0], mu2 = [2.0, 0.0]
        let expected = 2.25 + 1 + (2 + 2) + (1 + 4) - 2 * traceSqrt
        let d = try FrechetDistance.compute(mean1: t(mu1, [2]), covariance1: t(s1, [2, 2]),
                                            mean2: t(mu2, [2]), covariance2: t(s2, [2, 2]))
        XCTAssertEqual(d, expected, accuracy: 1e-12)
    }

    func testSingularCovariancesStayFinite() throws {
        // Rank-1 covariances (fewer samples than dimensions), where a plain sqrtm of the product struggles.
        let v = [1.0, 2.0, -1.0, 0.5]
        let s = t(v.flatMap { a in v.map { a * $0 } }, [4, 4])
        let zero = t([0, 0, 0, 0], [4])
        // Round-off ε in a zero eigenvalue becomes √ε in the trace, hence the looser tolerance.
        XCTAssertEqual(try FrechetDistance.compute(mean1: zero, covariance1: s, mean2: zero, covariance2: s), 0, accuracy: 1e-6)
    }

    func testStatisticsAndFIDOfASetWithItself() throws {
        Torch.manualSeed(7)
        let features = Tensor.randn([300, 24], dtype: .float64) * 2 + 1
        let stats = try FeatureStatistics(features: features)
        // np.cov by hand for one entry.
        let x = features.doubles()
        let col0 = (0..<300).map { x[$0 * 24] }, col1 = (0..<300).map { x[$0 * 24 + 1] }
        let m0 = col0.reduce(0, +) / 300, m1 = col1.reduce(0, +) / 300
        let cov01 = zip(col0, col1).map { ($0 - m0) * ($1 - m1) }.reduce(0, +) / 299
        XCTAssertEqual(stats.covariance.doubles()[1], cov01, accuracy: 1e-12)
        XCTAssertEqual(stats.mean.doubles()[0], m0, accuracy: 1e-12)
        XCTAssertEqual(try FrechetDistance.compute(stats, stats), 0, accuracy: 1e-9)
        // A shifted copy: only the mean term remains.
        let shifted = try FeatureStatistics(features: features + 0.5)
        XCTAssertEqual(try FrechetDistance.compute(stats, shifted), 24 * 0.25, accuracy: 1e-9)
        XCTAssertThrowsError(try FeatureStatistics(features: Tensor.zeros([1, 4])))
    }

    /// The features' road (M's singular values, taken when N1·N2 ≤ D²) against the covariances' one, which the
    /// closed forms above check, for either set the larger; and on its own, a set with itself (0) and a shifted copy
    /// (only the mean term). The covariances' road clamps D − N + 1 round-off eigenvalues to 0 and adds √ε for each,
    /// hence its looser agreement.
    func testFeatureRoadEqualsTheCovarianceRoad() throws {
        Torch.manualSeed(3)
        for (n1, n2, d) in [(5, 7, 40), (9, 4, 40), (2, 3, 6)] {
            let a = Tensor.randn([n1, d], dtype: .float64) * 1.5 + 0.3
            let b = Tensor.randn([n2, d], dtype: .float64).square()
            let viaCovariances = try FrechetDistance.compute(FeatureStatistics(features: a), FeatureStatistics(features: b))
            XCTAssertEqual(try FrechetDistance.compute(features: a, b), viaCovariances, accuracy: 1e-7 * viaCovariances)
            XCTAssertEqual(try FrechetDistance.compute(features: b, a), viaCovariances, accuracy: 1e-7 * viaCovariances)
            XCTAssertEqual(try FrechetDistance.compute(features: a, a), 0, accuracy: 1e-9)
            XCTAssertEqual(try FrechetDistance.compute(features: a, a + 0.5), Double(d) * 0.25, accuracy: 1e-9)
        }
        XCTAssertThrowsError(try FrechetDistance.compute(features: Tensor.zeros([1, 8]), Tensor.zeros([3, 8])))
        XCTAssertThrowsError(try FrechetDistance.compute(features: Tensor.zeros([3, 8]), Tensor.zeros([3, 9])))
        let poisoned = Tensor([0, 1, 2, .nan, 4, 5] as [Double], shape: [3, 2])
        XCTAssertThrowsError(try FrechetDistance.compute(features: Tensor.ones([3, 2], dtype: .float64), poisoned)) {
            XCTAssertTrue("\($0)".contains("second set's features hold NaN or Inf"), "\($0)")
        }
    }

    /// Unbiased MMD² with the polynomial kernel, written out with loops.
    func directMMD2(_ x: [[Double]], _ y: [[Double]]) -> Double {
        let d = Double(x[0].count), m = Double(x.count)
        func k(_ a: [Double], _ b: [Double]) -> Double { pow(zip(a, b).map(*).reduce(0, +) / d + 1, 3) }
        var xx = 0.0, yy = 0.0, xy = 0.0
        for i in x.indices {
            for j in x.indices where i != j { xx += k(x[i], x[j]); yy += k(y[i], y[j]) }
            for j in y.indices { xy += k(x[i], y[j]) }
        }
        return (xx + yy) / (m * (m - 1)) - 2 * xy / (m * m)
    }

    func rows(_ t: Tensor) -> [[Double]] {
        let v = t.doubles(), d = t.size(1)
        return (0..<t.size(0)).map { Array(v[($0 * d)..<($0 * d + d)]) }
    }

    func testKIDMatchesDirectFormula() throws {
        Torch.manualSeed(8)
        let real = Tensor.randn([12, 5], dtype: .float64)
        let fake = Tensor.randn([12, 5], dtype: .float64) * 1.5 + 0.3
        // Subsets as large as the sets: every subset is the whole set, so KID is the MMD² itself.
        let kid = try KernelInceptionDistance.compute(real: real, fake: fake, subsets: 3, maxSubsetSize: 1000)
        XCTAssertEqual(kid.subsetSize, 12)
        XCTAssertEqual(kid.mean, directMMD2(rows(real), rows(fake)), accuracy: 1e-10)
        XCTAssertEqual(kid.std, 0, accuracy: 1e-12)
    }

    func testKIDSubsetsAreSeeded() throws {
        Torch.manualSeed(9)
        let real = Tensor.randn([40, 6], dtype: .float64), fake = Tensor.randn([30, 6], dtype: .float64) + 1
        Torch.manualSeed(1)
        let a = try KernelInceptionDistance.compute(real: real, fake: fake, subsets: 5, maxSubsetSize: 10)
        Torch.manualSeed(1)
        let b = try KernelInceptionDistance.compute(real: real, fake: fake, subsets: 5, maxSubsetSize: 10)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.subsetSize, 10)
        XCTAssertGreaterThan(a.std, 0)
        XCTAssertGreaterThan(a.mean, 0.01, "shifted features are far apart")
    }

    func testStudentTAndSummary() {
        // Reference values: scipy.stats.t.ppf.
        XCTAssertEqual(StudentT.quantile(0.975, df: 1), 12.706204736432095, accuracy: 1e-9)
        XCTAssertEqual(StudentT.quantile(0.975, df: 4), 2.7764451051977987, accuracy: 1e-10)
        XCTAssertEqual(StudentT.quantile(0.975, df: 10), 2.2281388519649385, accuracy: 1e-10)
        XCTAssertEqual(StudentT.quantile(0.975, df: 1000), 1.9623390808264074, accuracy: 1e-9)
        XCTAssertEqual(StudentT.quantile(0.025, df: 10), -2.2281388519649385, accuracy: 1e-10)
        let s = MetricSummary([1, 2, 3, 4, 5])
        XCTAssertEqual(s.mean, 3)
        XCTAssertEqual(s.std!, 2.5.squareRoot(), accuracy: 1e-12)
        let half = 2.7764451051977987 * 2.5.squareRoot() / 5.0.squareRoot()
        XCTAssertEqual(s.interval!.lowerBound, 3 - half, accuracy: 1e-9)
        XCTAssertEqual(s.interval!.upperBound, 3 + half, accuracy: 1e-9)
        XCTAssertNil(MetricSummary([2]).interval)
        XCTAssertNil(MetricSummary([1, .infinity]).interval)
        XCTAssertEqual(MetricSummary([1, .infinity]).mean, .infinity)
    }
}
