import XCTest
@testable import ImageIO

final class PlanarFloatTests: XCTestCase {
    func testPlanarFloatsAreCHWAndFollowTheFormula() throws {
        let image = patternImage(width: 5, height: 3, channels: 3)
        let planar = image.planarFloats()
        XCTAssertEqual(planar.count, 45)
        for c in 0..<3 {
            for y in 0..<3 {
                for x in 0..<5 {
                    let direct = Float(image[x, y, c]) / 127.5 - 1
                    XCTAssertEqual(planar[c * 15 + y * 5 + x], direct)
                }
            }
        }
        XCTAssertEqual(try RasterImage(width: 1, height: 1, channels: 1, pixels: [0]).planarFloats(), [-1])
        XCTAssertEqual(try RasterImage(width: 1, height: 1, channels: 1, pixels: [255]).planarFloats(), [1])
    }

    func testWritePlanarFloatsIntoCallerMemory() throws {
        let image = patternImage(width: 4, height: 2, channels: 4)
        var buffer = [Float](repeating: .nan, count: image.pixels.count)
        buffer.withUnsafeMutableBufferPointer { image.writePlanarFloats(into: $0) }
        XCTAssertEqual(buffer, image.planarFloats())
    }

    func testEightBitRoundTripIsExactForEveryValue() throws {
        let all = try RasterImage(width: 256, height: 1, channels: 1, pixels: (0...255).map(UInt8.init))
        let back = try RasterImage(planar: all.planarFloats(), channels: 1, height: 1, width: 256)
        XCTAssertEqual(back, all)
        let rgb = patternImage(width: 7, height: 5, channels: 3)
        XCTAssertEqual(try RasterImage(planar: rgb.planarFloats(), channels: 3, height: 5, width: 7), rgb)
    }

    func testQuantisationClampsAndRoundsHalfAwayFromZero() throws {
        let values: [Float] = [-3, -1, -1.0001, 0, 1, 1.5, .infinity, -.infinity, .nan, 0.5, -0.5]
        let image = try RasterImage(planar: values, channels: 1, height: 1, width: values.count)
        // 0 -> 127.5 -> 128 (half away from zero); 0.5 -> 191.25 -> 191; -0.5 -> 63.75 -> 64.
        XCTAssertEqual(image.pixels, [0, 0, 0, 128, 255, 255, 255, 0, 0, 191, 64])
    }

    func testQuantisationMatchesTheDirectFormulaOnADenseSweep() throws {
        let count = 20_001
        let values = (0..<count).map { Float(-1.2) + Float(2.4) * Float($0) / Float(count - 1) }
        let image = try RasterImage(planar: values, channels: 1, height: 1, width: count)
        for (index, value) in values.enumerated() {
            let direct = UInt8(min(max(value * 127.5 + 127.5, 0), 255).rounded(.toNearestOrAwayFromZero))
            XCTAssertEqual(image.pixels[index], direct, "value \(value)")
        }
    }

    func testPlanarInitReordersCHWToHWC() throws {
        // 2 channels of 1x2 would be invalid; use 3 channels of 1x2: R plane, G plane, B plane.
        let planar: [Float] = [-1, 1, 0, 0, 1, -1]
        let image = try RasterImage(planar: planar, channels: 3, height: 1, width: 2)
        XCTAssertEqual(image.pixels, [0, 128, 255, 255, 128, 0])
    }

    func testPlanarInitRejectsWrongCounts() {
        assertImageIOError(.invalidArgument) { try RasterImage(planar: [0, 0, 0], channels: 1, height: 2, width: 2) }
        assertImageIOError(.invalidArgument) { try RasterImage(planar: [0, 0, 0, 0], channels: 2, height: 1, width: 2) }
    }
}
