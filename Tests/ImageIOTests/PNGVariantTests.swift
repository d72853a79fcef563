import Foundation
import XCTest
@testable import ImageIO

/// Colour types, bit depths and layouts of PNG that our encoder never writes, built by hand (PNGBuilder).
final class PNGVariantTests: XCTestCase {
    private func decode(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> DecodedImage {
        try ImageCodec.decode(Data(bytes), name: "variant.png")
    }

    func testGray8() throws {
        let png = PNGBuilder.make(width: 5, height: 3, bitDepth: 8, colorType: 0) { x, y in [x * 50 + y] }
        let decoded = try decode(png)
        XCTAssertEqual(decoded.image.channels, 1)
        XCTAssertEqual(decoded.sourceColor, .gray)
        XCTAssertEqual(decoded.image[4, 2, 0], 202)
    }

    func testLowBitDepthGrayIsScaledToFullRange() throws {
        for depth in [1, 2, 4] {
            let top = (1 << depth) - 1
            let png = PNGBuilder.make(width: 9, height: 2, bitDepth: depth, colorType: 0) { x, _ in [x % (top + 1)] }
            let decoded = try decode(png)
            XCTAssertEqual(decoded.sourceBitDepth, depth)
            XCTAssertEqual(decoded.image.channels, 1)
            for x in 0..<9 {
                let stored = x % (top + 1)
                XCTAssertEqual(Int(decoded.image[x, 1, 0]), stored * 255 / top, "depth \(depth) x \(x)")
            }
        }
    }

    func testSixteenBitSamplesAreRoundedTo8Bit() throws {
        let values = [0, 128, 129, 257, 32_767, 32_896, 65_407, 65_408, 65_535, 1000, 40_000, 50_000]
        func expected(_ v: Int) -> UInt8 { UInt8((Double(v) * 255 / 65535).rounded()) }

        let gray = try decode(PNGBuilder.make(width: values.count, height: 1, bitDepth: 16, colorType: 0) { x, _ in [values[x]] })
        XCTAssertEqual(gray.sourceBitDepth, 16)
        XCTAssertEqual(gray.image.pixels, values.map(expected))

        let rgb = try decode(PNGBuilder.make(width: values.count, height: 2, bitDepth: 16, colorType: 2) { x, y in
            [values[x], values[(x + 1) % values.count], y == 0 ? 0 : 65535]
        })
        XCTAssertEqual(rgb.image.channels, 3)
        XCTAssertEqual(rgb.sourceColor, .rgb)
        for x in 0..<values.count {
            XCTAssertEqual(rgb.image[x, 0, 0], expected(values[x]))
            XCTAssertEqual(rgb.image[x, 0, 1], expected(values[(x + 1) % values.count]))
            XCTAssertEqual(rgb.image[x, 1, 2], 255)
        }

        let rgba = try decode(PNGBuilder.make(width: 3, height: 1, bitDepth: 16, colorType: 6) { x, _ in
            [65535, 0, 32_896, x * 30_000]
        })
        XCTAssertEqual(rgba.image.channels, 4)
        XCTAssertEqual(rgba.sourceColor, .rgba)
        XCTAssertEqual(Array(rgba.image.pixel(x: 2, y: 0)), [255, 0, expected(32_896), expected(60_000)])
    }

    func testGrayAlphaBecomesRGBAWithGrayReplicated() throws {
        for depth in [8, 16] {
            let scale = depth == 16 ? 257 : 1
            let png = PNGBuilder.make(width: 4, height: 2, bitDepth: depth, colorType: 4) { x, y in
                [(x * 60 + y) * scale, (255 - x * 80) * scale]
            }
            let decoded = try decode(png)
            XCTAssertEqual(decoded.sourceColor, .grayAlpha)
            XCTAssertEqual(decoded.image.channels, 4)
            for x in 0..<4 {
                let g = UInt8(x * 60 + 1)
                XCTAssertEqual(Array(decoded.image.pixel(x: x, y: 1)), [g, g, g, UInt8(255 - x * 80)], "depth \(depth)")
            }
        }
    }

    func testPaletteWithoutTransparencyBecomesRGB() throws {
        let palette: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]
        let plte = PNGBuilder.chunk("PLTE", palette.flatMap { $0 })
        for depth in [2, 4, 8] {
            let png = PNGBuilder.make(width: 7, height: 3, bitDepth: depth, colorType: 3, before: [plte]) { x, y in
                [(x + y) % 4]
            }
            let decoded = try decode(png)
            XCTAssertEqual(decoded.sourceColor, .palette)
            XCTAssertEqual(decoded.sourceBitDepth, depth)
            XCTAssertEqual(decoded.image.channels, 3)
            for y in 0..<3 {
                for x in 0..<7 {
                    XCTAssertEqual(Array(decoded.image.pixel(x: x, y: y)), palette[(x + y) % 4], "depth \(depth)")
                }
            }
        }
    }

    func testPaletteWithTransparencyBecomesRGBA() throws {
        let plte = PNGBuilder.chunk("PLTE", [255, 0, 0, 0, 255, 0, 0, 0, 255])
        let trns = PNGBuilder.chunk("tRNS", [0, 128]) // entry 2 keeps the default 255
        let png = PNGBuilder.make(width: 3, height: 1, bitDepth: 8, colorType: 3, before: [plte, trns]) { x, _ in [x] }
        let decoded = try decode(png)
        XCTAssertEqual(decoded.image.channels, 4)
        XCTAssertEqual(decoded.image.pixels, [255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255])
    }

    func testColourKeyTransparencyBecomesAlpha() throws {
        let grayKey = PNGBuilder.chunk("tRNS", [0, 7])
        let gray = try decode(PNGBuilder.make(width: 2, height: 1, bitDepth: 8, colorType: 0, before: [grayKey]) { x, _ in
            [x == 0 ? 7 : 200]
        })
        XCTAssertEqual(gray.image.channels, 4)
        XCTAssertEqual(gray.image.pixels, [7, 7, 7, 0, 200, 200, 200, 255])

        let rgbKey = PNGBuilder.chunk("tRNS", [0, 1, 0, 2, 0, 3])
        let rgb = try decode(PNGBuilder.make(width: 2, height: 1, bitDepth: 8, colorType: 2, before: [rgbKey]) { x, _ in
            x == 0 ? [1, 2, 3] : [1, 2, 4]
        })
        XCTAssertEqual(rgb.image.channels, 4)
        XCTAssertEqual(rgb.image.pixels, [1, 2, 3, 0, 1, 2, 4, 255])
    }

    func testInterlacedMatchesNonInterlaced() throws {
        for (width, height) in [(1, 1), (3, 2), (9, 11), (17, 5)] {
            let sample: (Int, Int) -> [Int] = { x, y in [(x * 13 + y * 7) % 256, (x * y) % 256, (x + 100) % 256] }
            let plain = try decode(PNGBuilder.make(width: width, height: height, bitDepth: 8, colorType: 2, sample: sample))
            let adam7 = try decode(PNGBuilder.make(width: width, height: height, bitDepth: 8, colorType: 2,
                                                   interlaced: true, sample: sample))
            XCTAssertEqual(adam7.image, plain.image, "\(width)x\(height)")
        }
    }

    func testImageDataSplitAcrossIDATChunks() throws {
        let png = PNGBuilder.make(width: 6, height: 6, bitDepth: 8, colorType: 6, splitIDAT: true) { x, y in
            [x * 40, y * 40, 100, 255 - x]
        }
        let decoded = try decode(png)
        XCTAssertEqual(Array(decoded.image.pixel(x: 5, y: 3)), [200, 120, 100, 250])
    }

    func testDimensionsBeyondTheLimitsAreRefusedBeforeDecoding() throws {
        // Headers claiming huge images; the data is tiny, so any attempt to decode would fail as truncated.
        func header(width: UInt32, height: UInt32, colorType: UInt8) -> [UInt8] {
            let ihdr = PNGBuilder.bigEndian32(width) + PNGBuilder.bigEndian32(height) + [8, colorType, 0, 0, 0]
            return PNGBuilder.signature + PNGBuilder.chunk("IHDR", ihdr) + PNGBuilder.chunk("IDAT", [0x78, 0x01])
        }
        assertImageIOError(.tooLarge) { try decode(header(width: 70_000, height: 1, colorType: 0)) }
        assertImageIOError(.tooLarge) { try decode(header(width: 1, height: 65_536, colorType: 0)) }
        // 30000 x 30000 RGBA = 3.6e9 bytes > 2^31: the codec's own limit, behind the (here raised) pixel limit.
        let savedLimit = ImageLimits.maxPixels
        ImageLimits.maxPixels = .max
        defer { ImageLimits.maxPixels = savedLimit }
        let error = assertImageIOError(.tooLarge) { try decode(header(width: 30_000, height: 30_000, colorType: 6)) }
        XCTAssertTrue(error?.description.hasPrefix("variant.png: image too large") ?? false, "\(String(describing: error))")
    }

    func testBadCRCIsCorrupt() throws {
        var png = PNGBuilder.make(width: 4, height: 4, bitDepth: 8, colorType: 0) { x, _ in [x] }
        png[29] ^= 0xFF // last CRC byte of IHDR (8 signature + 4 length + 4 type + 13 data = 29)
        let error = assertImageIOError(.corrupt) { try decode(png) }
        XCTAssertTrue(error?.description.contains("CRC") ?? false, "\(String(describing: error))")
    }

    func testInvalidHeaderValuesAreCorrupt() throws {
        func png(width: UInt32, depth: UInt8, colorType: UInt8) -> [UInt8] {
            let ihdr = PNGBuilder.bigEndian32(width) + PNGBuilder.bigEndian32(1) + [depth, colorType, 0, 0, 0]
            return PNGBuilder.signature + PNGBuilder.chunk("IHDR", ihdr) + PNGBuilder.chunk("IEND", [])
        }
        assertImageIOError(.corrupt) { try decode(png(width: 0, depth: 8, colorType: 0)) }
        assertImageIOError(.corrupt) { try decode(png(width: 4, depth: 3, colorType: 0)) }
        assertImageIOError(.corrupt) { try decode(png(width: 4, depth: 8, colorType: 5)) }
        assertImageIOError(.corrupt) { try decode(png(width: 4, depth: 16, colorType: 3)) }
    }

    func testMissingIENDIsTruncated() throws {
        let png = PNGBuilder.make(width: 3, height: 3, bitDepth: 8, colorType: 0) { x, y in [x + y] }
        assertImageIOError(.truncated) { try decode(Array(png.dropLast(12))) }
    }
}
