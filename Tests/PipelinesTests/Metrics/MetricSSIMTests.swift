import Foundation
@testable import Pipelines
import Torch
import XCTest

/// SSIM and MS-SSIM: known properties, a direct loop implementation, and pytorch-msssim's values.
final class MetricSSIMTests: XCTestCase {
    func testGaussianWindow() {
        let g = SSIM.gaussianWindow()
        XCTAssertEqual(g.count, 11)
        XCTAssertEqual(g.reduce(0, +), 1, accuracy: 1e-15)
        XCTAssertEqual(g[5] / g[4], exp(1 / (2 * 1.5 * 1.5)), accuracy: 1e-12)
        XCTAssertEqual(g[0], g[10])
    }

    func testIdenticalImagesGiveOne() throws {
        Torch.manualSeed(2)
        let x = Tensor.rand([2, 3, 24, 20]) * 2 - 1
        for v in try SSIM.perImage(x, x) { XCTAssertEqual(v, 1, accuracy: 1e-12) }
        let big = Tensor.rand([1, 3, 170, 165]) * 2 - 1
        XCTAssertEqual(try MSSSIM.perImage(big, big)[0], 1, accuracy: 1e-12)
    }

    /// The textbook definition, written as loops: Gaussian-weighted local moments over every valid 11×11 window.
    func directSSIM(_ x: [[Double]], _ y: [[Double]]) -> Double {
        let g = SSIM.gaussianWindow()
        let h = x.count, w = x[0].count, c1 = 0.01 * 0.01, c2 = 0.03 * 0.03
        var total = 0.0, count = 0
        for top in 0...(h - 11) {
            for left in 0...(w - 11) {
                var mx = 0.0, my = 0.0, xx = 0.0, yy = 0.0, xy = 0.0
                for i in 0..<11 {
                    for j in 0..<11 {
                        let weight = g[i] * g[j], a = x[top + i][left + j], b = y[top + i][left + j]
                        mx += weight * a; my += weight * b
                        xx += weight * a * a; yy += weight * b * b; xy += weight * a * b
                    }
                }
                let vx = xx - mx * mx, vy = yy - my * my, cxy = xy - mx * my
                total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2))
                count += 1
            }
        }
        return total / Double(count)
    }

    func testMatchesDirectLoopOnATinyImage() throws {
        Torch.manualSeed(3)
        let h = 13, w = 15
        let pred = Tensor.rand([1, 2, h, w]) * 2 - 1
        let target = (pred + Tensor.randn([1, 2, h, w]) * 0.3).clamp(min: -1, max: 1)
        let p = pred.to(.float64).doubles().map { ($0 + 1) / 2 }, t = target.to(.float64).doubles().map { ($0 + 1) / 2 }
        func plane(_ v: [Double], _ c: Int) -> [[Double]] {
            (0..<h).map { i in Array(v[(c * h * w + i * w)..<(c * h * w + i * w + w)]) }
        }
        let expected = (directSSIM(plane(p, 0), plane(t, 0)) + directSSIM(plane(p, 1), plane(t, 1))) / 2
        XCTAssertEqual(try SSIM.perImage(pred, target)[0], expected, accuracy: 1e-12)
    }

    /// Images defined by formula in float64 (identical in the Python run that produced the expected values).
    func formulaImages() -> (pred: Tensor, target: Tensor) {
        let h = 165, w = 171
        let i = Tensor.arange(0, Double(h), dtype: .float64).reshape([1, 1, h, 1])
        let j = Tensor.arange(0, Double(w), dtype: .float64).reshape([1, 1, 1, w])
        let c = Tensor.arange(0, 3, dtype: .float64).reshape([1, 3, 1, 1])
        let n = Tensor.arange(0, 2, dtype: .float64).reshape([2, 1, 1, 1])
        let target = 0.5 + 0.25 * (0.05 * i * (c + 1) + 0.031 * j * (n + 1)).sin() + 0.2 * (0.7 * i + 1.3 * j + c).sin()
        let pred = target + 0.08 * (2.1 * i + 0.37 * j * (c + 2) + n).sin()
        // The API takes [-1, 1] images.
        return (pred * 2 - 1, target * 2 - 1)
    }

    func testMatchesPytorchMSSSIM() throws {
        // pytorch-msssim (VainF/pytorch-msssim b057b07) in float64 on the same images, data_range=1,
        // size_average=False; see Tests/ModelsTests/Fixtures/README.md. Given the Gaussian window in float64 (its
        // `win` argument) it agrees to round-off; its default window is built in float32, which moves the values
        // by ~5e-8.
        let (pred, target) = formulaImages()
        let ssim = try SSIM.perImage(pred, target)
        let ms = try MSSSIM.perImage(pred, target)
        let float64Window = (ssim: [0.9294303575395798, 0.9298834690415481], ms: [0.9894734488442275, 0.9903207650179889])
        let defaultWindow = (ssim: [0.9294304108942774, 0.9298835223112477], ms: [0.9894734699445089, 0.9903207785456907])
        for k in 0..<2 {
            XCTAssertEqual(ssim[k], float64Window.ssim[k], accuracy: 1e-12)
            XCTAssertEqual(ms[k], float64Window.ms[k], accuracy: 1e-12)
            XCTAssertEqual(ssim[k], defaultWindow.ssim[k], accuracy: 1e-7)
            XCTAssertEqual(ms[k], defaultWindow.ms[k], accuracy: 1e-7)
        }
    }

    func testSizeLimitsAreErrors() {
        let small = Tensor.zeros([1, 3, 10, 40])
        XCTAssertThrowsError(try SSIM.perImage(small, small)) { XCTAssertTrue("\($0)".contains("11×11"), "\($0)") }
        let medium = Tensor.zeros([1, 3, 160, 200])
        XCTAssertEqual(MSSSIM.minimumSide, 161)
        XCTAssertThrowsError(try MSSSIM.perImage(medium, medium)) { XCTAssertTrue("\($0)".contains("161"), "\($0)") }
    }

    func testSSIMDecreasesWithNoise() throws {
        Torch.manualSeed(4)
        let x = Tensor.rand([1, 3, 32, 32]) * 2 - 1
        let small = try SSIM.perImage(x + Tensor.randn([1, 3, 32, 32]) * 0.05, x)[0]
        let large = try SSIM.perImage(x + Tensor.randn([1, 3, 32, 32]) * 0.5, x)[0]
        XCTAssertGreaterThan(small, large)
        XCTAssertLessThan(small, 1)
    }
}
