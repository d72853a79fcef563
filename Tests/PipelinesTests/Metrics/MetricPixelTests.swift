import Foundation
@testable import Pipelines
import Torch
import XCTest

/// MSE and PSNR against values computed by hand.
final class MetricPixelTests: XCTestCase {
    func testMSEOnUnitScaleByHand() throws {
        // [-1, 1] values → [0, 1]: pred 0 → 0.5; target -1, 1, 0, 0.5 → 0, 1, 0.5, 0.75.
        let pred = Tensor([0, 0, 0, 0] as [Float], shape: [1, 1, 2, 2])
        let target = Tensor([-1, 1, 0, 0.5] as [Float], shape: [1, 1, 2, 2])
        // Squared differences 0.25, 0.25, 0, 0.0625 → mean 0.140625.
        let mse = try MeanSquaredError.perImage(pred, target)
        XCTAssertEqual(mse[0], 0.140625, accuracy: 1e-12)
        XCTAssertEqual(try PSNR.perImage(pred, target)[0], 10 * log10(1 / 0.140625), accuracy: 1e-9)
    }

    func testPSNROfAKnownNoiseLevel() throws {
        // ±0.1 on [0, 1] (±0.2 on [-1, 1]) in a checkerboard: MSE 0.01 exactly → 20 dB.
        let h = 8, w = 6
        let noise = (0..<(3 * h * w)).map { Float(($0 % w + $0 / w) % 2 == 0 ? 0.2 : -0.2) }
        let target = Tensor(Array(repeating: 0, count: 3 * h * w) as [Float], shape: [1, 3, h, w])
        let pred = target + Tensor(noise, shape: [1, 3, h, w])
        XCTAssertEqual(try MeanSquaredError.perImage(pred, target)[0], 0.01, accuracy: 1e-9)
        XCTAssertEqual(try PSNR.perImage(pred, target)[0], 20, accuracy: 1e-6)
    }

    func testPerImageValuesAndIdenticalImages() throws {
        Torch.manualSeed(1)
        let a = Tensor.rand([3, 3, 10, 12]) * 2 - 1
        let b = Tensor.rand([3, 3, 10, 12]) * 2 - 1
        let mse = try MeanSquaredError.perImage(a, b)
        XCTAssertEqual(mse.count, 3)
        for i in 0..<3 {
            let direct = ((a[i].to(.float64) - b[i].to(.float64)) / 2).square().mean().item()
            XCTAssertEqual(mse[i], direct, accuracy: 1e-12)
        }
        XCTAssertEqual(try PSNR.perImage(a, a), [.infinity, .infinity, .infinity])
        XCTAssertEqual(try MeanSquaredError.perImage(a, a), [0, 0, 0])
    }

    func testShapeMismatchIsAnError() {
        let a = Tensor.zeros([1, 3, 8, 8]), b = Tensor.zeros([1, 3, 8, 9])
        XCTAssertThrowsError(try MeanSquaredError.perImage(a, b)) { XCTAssertTrue("\($0)".contains("same shape")) }
    }
}
