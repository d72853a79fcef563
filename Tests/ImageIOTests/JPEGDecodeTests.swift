import Foundation
import XCTest
@testable import ImageIO

final class JPEGDecodeTests: XCTestCase {
    func testCMYKIsConvertedToRGB() throws {
        let decoded = try ImageCodec.decode(JPEGFixtures.cmyk, name: "cmyk.jpg")
        XCTAssertEqual(decoded.sourceColor, .cmyk)
        XCTAssertEqual(decoded.image.channels, 3)
        XCTAssertEqual(decoded.image.width, 16)
        XCTAssertEqual(decoded.image.height, 8)
        // Cyan ink -> (0, 255, 255); 50% black ink -> gray 127.
        for (x, expected) in [(3, [0, 255, 255]), (12, [127, 127, 127])] {
            let got = decoded.image.pixel(x: x, y: 4).map(Int.init)
            for c in 0..<3 { XCTAssertLessThanOrEqual(abs(got[c] - expected[c]), 4, "x \(x): \(got)") }
        }
    }

    func testProgressiveJPEG() throws {
        let decoded = try ImageCodec.decode(JPEGFixtures.progressive)
        XCTAssertEqual(decoded.image.width, 16)
        XCTAssertEqual(decoded.image.height, 16)
        XCTAssertEqual(decoded.image.channels, 3)
        var error = 0
        for y in 0..<16 {
            for x in 0..<16 {
                let expected = [x * 16, y * 16, 128]
                for c in 0..<3 { error += abs(Int(decoded.image[x, y, c]) - expected[c]) }
            }
        }
        XCTAssertLessThan(Double(error) / (16 * 16 * 3), 3)
    }

    /// An encoded JPEG with an EXIF APP1 segment carrying `orientation`, spliced in after SOI.
    private func jpegWithOrientation(_ image: RasterImage, orientation: UInt16, bigEndian: Bool) throws -> Data {
        let base = try ImageCodec.encode(image, as: .jpeg, options: ImageEncodingOptions(jpegQuality: 100))
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] {
            let b = [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
            return bigEndian ? b : b.reversed()
        }
        var tiff: [UInt8] = (bigEndian ? Array("MM".utf8) : Array("II".utf8)) + u16(42) + u32(8)
        tiff += u16(2) // two entries: an unrelated tag first, then orientation
        tiff += u16(0x010F) + u16(2) + u32(4) + Array("ABC\0".utf8)
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)
        tiff += u32(0)
        let payload = Array("Exif\0\0".utf8) + tiff
        let length = UInt16(payload.count + 2)
        let app1: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        return Data([0xFF, 0xD8] + app1 + Array(base.dropFirst(2)))
    }

    func testEXIFOrientationIsReportedAndApplied() throws {
        let stored = gradientImage(width: 24, height: 16, channels: 3)
        for bigEndian in [true, false] {
            let data = try jpegWithOrientation(stored, orientation: 6, bigEndian: bigEndian)
            let decoded = try ImageCodec.decode(data)
            XCTAssertEqual(decoded.exifOrientation, 6)
            XCTAssertEqual(decoded.image.width, 24)
            let upright = decoded.orientedImage
            XCTAssertEqual(upright.width, 16)
            XCTAssertEqual(upright.height, 24)

            let directory = try makeTemporaryDirectory(self)
            let url = directory.appendingPathComponent("rotated.jpg")
            try data.write(to: url)
            XCTAssertEqual(try ImageFile.read(url), upright)
            XCTAssertEqual(try ImageFile.read(url, applyOrientation: false), decoded.image)
        }
    }

    func testInvalidOrientationValuesAreIgnored() throws {
        let image = gradientImage(width: 8, height: 8, channels: 1)
        XCTAssertEqual(try ImageCodec.decode(jpegWithOrientation(image, orientation: 9, bigEndian: true)).exifOrientation, 1)
        XCTAssertEqual(try ImageCodec.decode(jpegWithOrientation(image, orientation: 0, bigEndian: false)).exifOrientation, 1)
    }

    func testTwelveBitPrecisionIsUnsupported() throws {
        var bytes = [UInt8](try ImageCodec.encode(gradientImage(width: 8, height: 8, channels: 3), as: .jpeg))
        let sof = try XCTUnwrap((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 4] = 12 // precision byte follows the 2-byte segment length
        let error = assertImageIOError(.unsupported) { try ImageCodec.decode(Data(bytes), name: "deep.jpg") }
        XCTAssertTrue(error?.description.hasPrefix("deep.jpg: unsupported JPEG") ?? false, "\(String(describing: error))")
    }

    func testCorruptEntropyDataIsAnErrorNotGarbage() throws {
        var bytes = [UInt8](try ImageCodec.encode(gradientImage(width: 32, height: 32, channels: 3), as: .jpeg))
        let sos = try XCTUnwrap((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        let scanStart = sos + 2 + (Int(bytes[sos + 2]) << 8 | Int(bytes[sos + 3]))
        // All-ones bit strings are never valid Huffman codes; 0xFF must be stuffed with 0x00 inside a scan.
        var index = scanStart
        while index + 1 < bytes.count - 2 {
            bytes[index] = 0xFF
            bytes[index + 1] = 0x00
            index += 2
        }
        let error = assertImageIOError(.corrupt) { try ImageCodec.decode(Data(bytes), name: "bad.jpg") }
        XCTAssertTrue(error?.description.hasPrefix("bad.jpg: corrupt JPEG data (") ?? false, "\(String(describing: error))")
    }

    func testHugeDeclaredSizeIsRefused() throws {
        var bytes = [UInt8](try ImageCodec.encode(gradientImage(width: 8, height: 8, channels: 3), as: .jpeg))
        let sof = try XCTUnwrap((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        // height at +5, width at +7 (big-endian): claim 65000 x 65000 x 3 components.
        bytes[sof + 5] = 0xFD; bytes[sof + 6] = 0xE8
        bytes[sof + 7] = 0xFD; bytes[sof + 8] = 0xE8
        assertImageIOError(.tooLarge) { try ImageCodec.decode(Data(bytes)) }
    }
}
