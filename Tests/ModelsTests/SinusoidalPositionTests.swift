import Foundation
import XCTest
@testable import Models
import NN
import Torch

final class SinusoidalPositionTests: XCTestCase {
    func testCodesFollowTheFormula() {
        let c = 10, h = 3, w = 5  // n = 2 frequencies, 2 zero channels
        let p = SinusoidalPosition.encoding(channels: c, height: h, width: w).floats()
        let fy = [1, 1.5], fx = [1, 2.5]  // (S/2)^(i/(n−1)) for S = 3 and 5
        XCTAssertEqual(SinusoidalPosition.frequencies(count: 2, side: 3), fy)
        XCTAssertEqual(SinusoidalPosition.frequencies(count: 2, side: 5), fx)
        for y in 0..<h {
            for x in 0..<w {
                let ty = 2 * Double.pi * (Double(y) + 0.5) / 3, tx = 2 * Double.pi * (Double(x) + 0.5) / 5
                func at(_ ch: Int) -> Double { Double(p[(ch * h + y) * w + x]) }
                for i in 0..<2 {
                    XCTAssertEqual(at(i), sin(fy[i] * ty), accuracy: 1e-6)
                    XCTAssertEqual(at(2 + i), cos(fy[i] * ty), accuracy: 1e-6)
                    XCTAssertEqual(at(4 + i), sin(fx[i] * tx), accuracy: 1e-6)
                    XCTAssertEqual(at(6 + i), cos(fx[i] * tx), accuracy: 1e-6)
                }
                XCTAssertEqual(at(8), 0)
                XCTAssertEqual(at(9), 0)
            }
        }
    }

    func testEveryPositionHasItsOwnCode() {
        let (c, h, w) = (16, 8, 8)
        let p = SinusoidalPosition.encoding(channels: c, height: h, width: w).floats()
        var seen = Set<[Int]>()
        for pos in 0..<(h * w) {
            seen.insert((0..<c).map { Int((p[$0 * h * w + pos] * 1000).rounded()) })
        }
        XCTAssertEqual(seen.count, h * w)
    }

    func testOptionChangesAttentionButNotTheWeights() throws {
        Torch.manualSeed(4)
        let plain = Aligner(channels: 8, heads: 2, headDim: 4, attention: .full, keySource: .both)
        let positioned = Aligner(channels: 8, heads: 2, headDim: 4, attention: .full, keySource: .both, positionEncoding: .sinusoidal)
        XCTAssertEqual(plain.namedParameters().map(\.name), positioned.namedParameters().map(\.name))
        _ = try positioned.loadStateDict(plain.stateDict())
        let q = Tensor.randn([1, 8, 4, 4]), r = Tensor.randn([1, 8, 4, 4]), rec = Tensor.randn([1, 8, 4, 4])
        let a = plain(query: q, residual: r, reconstruction: rec, selectRatio: 1, chunk: 64)
        let b = positioned(query: q, residual: r, reconstruction: rec, selectRatio: 1, chunk: 64)
        XCTAssertGreaterThan(Float((a - b).abs().max().item()), 1e-4)
        // the config option survives a JSON round trip, and configs written before it existed decode as none
        var config = GradStyleConfig()
        config.positionEncoding = .sinusoidal
        let decoded = try JSONDecoder().decode(GradStyleConfig.self, from: try JSONEncoder().encode(config))
        XCTAssertEqual(decoded.positionEncoding, .sinusoidal)
        var old = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(GradStyleConfig())) as! [String: Any]
        old.removeValue(forKey: "positionEncoding")
        XCTAssertNil(try JSONDecoder().decode(GradStyleConfig.self, from: try JSONSerialization.data(withJSONObject: old)).positionEncoding)
    }
}
