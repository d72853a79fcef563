import XCTest
@testable import ImageIO

final class ConversionTests: XCTestCase {
    func testRasterImageValidatesItsShape() {
        assertImageIOError(.invalidArgument) { try RasterImage(width: 2, height: 2, channels: 3, pixels: [UInt8](repeating: 0, count: 11)) }
        assertImageIOError(.invalidArgument) { try RasterImage(width: 2, height: 2, channels: 2, pixels: [UInt8](repeating: 0, count: 8)) }
        assertImageIOError(.invalidArgument) { try RasterImage(width: 0, height: 2, channels: 1) }
        assertImageIOError(.invalidArgument) { try RasterImage(width: 2, height: -1, channels: 1) }
        assertImageIOError(.tooLarge) { try RasterImage(width: Int.max / 2, height: 3, channels: 1) }
        XCTAssertEqual(try RasterImage(width: 2, height: 1, channels: 4, fill: 9).pixels, [UInt8](repeating: 9, count: 8))
    }

    func testSubscriptAddressesHWC() throws {
        var image = try RasterImage(width: 3, height: 2, channels: 3)
        image[2, 1, 1] = 77
        XCTAssertEqual(image.pixels[(1 * 3 + 2) * 3 + 1], 77)
        XCTAssertEqual(Array(image.pixel(x: 2, y: 1)), [0, 77, 0])
        XCTAssertEqual(image.rowStride, 9)
    }

    func testGrayToRGBReplicates() throws {
        let gray = try RasterImage(width: 2, height: 1, channels: 1, pixels: [10, 200])
        XCTAssertEqual(gray.toRGB().pixels, [10, 10, 10, 200, 200, 200])
        XCTAssertEqual(gray.toRGBA().pixels, [10, 10, 10, 255, 200, 200, 200, 255])
    }

    func testRGBAToRGBCompositesOverWhiteOrDrops() throws {
        let rgba = try RasterImage(width: 3, height: 1, channels: 4, pixels: [0, 0, 0, 0, 100, 50, 0, 128, 10, 20, 30, 255])
        func over(_ c: Int, _ a: Int, _ bg: Int) -> UInt8 { UInt8((c * a + bg * (255 - a) + 127) / 255) }
        XCTAssertEqual(rgba.toRGB().pixels, [255, 255, 255, over(100, 128, 255), over(50, 128, 255), over(0, 128, 255), 10, 20, 30])
        XCTAssertEqual(rgba.toRGB(alpha: .composite(background: 0)).pixels,
                       [0, 0, 0, over(100, 128, 0), over(50, 128, 0), 0, 10, 20, 30])
        XCTAssertEqual(rgba.toRGB(alpha: .drop).pixels, [0, 0, 0, 100, 50, 0, 10, 20, 30])
    }

    func testToGrayUsesBT601Luma() throws {
        let rgb = try RasterImage(width: 5, height: 1, channels: 3,
                                  pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 12, 34, 56])
        func luma(_ r: Double, _ g: Double, _ b: Double) -> UInt8 {
            let y: Double = 0.299 * r + 0.587 * g + 0.114 * b
            return UInt8(y.rounded())
        }
        let triples: [(Double, Double, Double)] = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (12, 34, 56)]
        let expected = triples.map { luma($0.0, $0.1, $0.2) }
        XCTAssertEqual(rgb.toGray().pixels, expected)
        XCTAssertEqual(expected, [76, 150, 29, 255, 30])
        let rgba = try RasterImage(width: 1, height: 1, channels: 4, pixels: [0, 0, 0, 0])
        XCTAssertEqual(rgba.toGray().pixels, [255])
        XCTAssertEqual(rgba.toGray(alpha: .drop).pixels, [0])
    }

    func testConvertedToChannels() throws {
        let rgb = patternImage(width: 4, height: 3, channels: 3)
        XCTAssertEqual(try rgb.converted(toChannels: 3), rgb)
        XCTAssertEqual(try rgb.converted(toChannels: 1).channels, 1)
        XCTAssertEqual(try rgb.converted(toChannels: 4).toRGB(), rgb)
        assertImageIOError(.invalidArgument) { try rgb.converted(toChannels: 2) }
    }

    func testEXIFOrientations() throws {
        // Stored 3x2 image with labelled pixels:  a b c / d e f
        let stored = try RasterImage(width: 3, height: 2, channels: 1, pixels: [1, 2, 3, 4, 5, 6])
        let expected: [Int: (Int, Int, [UInt8])] = [
            1: (3, 2, [1, 2, 3, 4, 5, 6]),
            2: (3, 2, [3, 2, 1, 6, 5, 4]),       // mirrored left-right
            3: (3, 2, [6, 5, 4, 3, 2, 1]),       // rotated 180
            4: (3, 2, [4, 5, 6, 1, 2, 3]),       // mirrored top-bottom
            5: (2, 3, [1, 4, 2, 5, 3, 6]),       // transposed
            6: (2, 3, [4, 1, 5, 2, 6, 3]),       // rotated 90 clockwise
            7: (2, 3, [6, 3, 5, 2, 4, 1]),       // transverse
            8: (2, 3, [3, 6, 2, 5, 1, 4]),       // rotated 90 counter-clockwise
        ]
        for (orientation, (width, height, pixels)) in expected {
            let out = stored.applyingEXIFOrientation(orientation)
            XCTAssertEqual(out.width, width, "orientation \(orientation)")
            XCTAssertEqual(out.height, height, "orientation \(orientation)")
            XCTAssertEqual(out.pixels, pixels, "orientation \(orientation)")
        }
        XCTAssertEqual(stored.applyingEXIFOrientation(0), stored)
        XCTAssertEqual(stored.applyingEXIFOrientation(42), stored)
        let rgb = patternImage(width: 5, height: 4, channels: 3)
        XCTAssertEqual(rgb.applyingEXIFOrientation(6).applyingEXIFOrientation(8), rgb)
        XCTAssertEqual(rgb.applyingEXIFOrientation(3).applyingEXIFOrientation(3), rgb)
    }
}
