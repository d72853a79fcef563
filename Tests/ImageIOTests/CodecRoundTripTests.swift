import Foundation
import XCTest
@testable import ImageIO

final class CodecRoundTripTests: XCTestCase {
    func testPNGRoundTripIsExactForEveryChannelCount() throws {
        for channels in [1, 3, 4] {
            let image = patternImage(width: 13, height: 7, channels: channels)
            let data = try ImageCodec.encode(image, as: .png)
            XCTAssertEqual(ImageFormat.detect(data), .png)
            let decoded = try ImageCodec.decode(data)
            XCTAssertEqual(decoded.image, image, "channels \(channels)")
            XCTAssertEqual(decoded.format, .png)
            XCTAssertEqual(decoded.sourceBitDepth, 8)
            XCTAssertEqual(decoded.sourceColor, [1: .gray, 3: .rgb, 4: .rgba][channels])
            XCTAssertEqual(decoded.exifOrientation, 1)
        }
    }

    func testPNGRoundTripOfRandomPixels() throws {
        var rng = SeededGenerator(seed: 7)
        let pixels = (0..<(64 * 48 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let image = try RasterImage(width: 64, height: 48, channels: 3, pixels: pixels)
        XCTAssertEqual(try ImageCodec.decode(ImageCodec.encode(image, as: .png)).image, image)
    }

    func testJPEGRoundTripOfSmoothGradientIsClose() throws {
        for channels in [1, 3] {
            let image = gradientImage(width: 96, height: 64, channels: channels)
            let data = try ImageCodec.encode(image, as: .jpeg, options: ImageEncodingOptions(jpegQuality: 95))
            XCTAssertEqual(ImageFormat.detect(data), .jpeg)
            let decoded = try ImageCodec.decode(data)
            XCTAssertEqual(decoded.image.width, 96)
            XCTAssertEqual(decoded.image.height, 64)
            XCTAssertEqual(decoded.image.channels, channels)
            XCTAssertEqual(decoded.sourceColor, channels == 1 ? .gray : .ycbcr)
            XCTAssertLessThan(meanAbsoluteError(decoded.image, image), 3, "channels \(channels)")
        }
    }

    func testJPEGQualityAndSubsamplingChangeTheOutput() throws {
        let image = gradientImage(width: 64, height: 64, channels: 3)
        let high = try ImageCodec.encode(image, as: .jpeg, options: ImageEncodingOptions(jpegQuality: 95))
        let low = try ImageCodec.encode(image, as: .jpeg, options: ImageEncodingOptions(jpegQuality: 20))
        let subsampled = try ImageCodec.encode(image, as: .jpeg,
                                               options: ImageEncodingOptions(jpegQuality: 95, jpegSubsampleChroma: true))
        XCTAssertLessThan(low.count, high.count)
        XCTAssertLessThan(subsampled.count, high.count)
        XCTAssertLessThan(meanAbsoluteError(try ImageCodec.decode(subsampled).image, image), 3)
        assertImageIOError(.invalidArgument) { try ImageCodec.encode(image, as: .jpeg, options: ImageEncodingOptions(jpegQuality: 0)) }
        assertImageIOError(.invalidArgument) { try ImageCodec.encode(image, as: .jpeg, options: ImageEncodingOptions(jpegQuality: 101)) }
    }

    func testJPEGFlattensAlphaOverWhiteByDefault() throws {
        // Left half transparent black, right half opaque black.
        var pixels = [UInt8]()
        for _ in 0..<16 { for x in 0..<16 { pixels += [0, 0, 0, x < 8 ? 0 : 255] } }
        let image = try RasterImage(width: 16, height: 16, channels: 4, pixels: pixels)
        let decoded = try ImageCodec.decode(ImageCodec.encode(image, as: .jpeg)).image
        XCTAssertEqual(decoded.channels, 3)
        XCTAssertGreaterThan(decoded[2, 8, 0], 245)
        XCTAssertLessThan(decoded[13, 8, 0], 10)
        let dropped = try ImageCodec.decode(ImageCodec.encode(image, as: .jpeg, options: ImageEncodingOptions(jpegAlpha: .drop))).image
        XCTAssertLessThan(dropped[2, 8, 0], 10)
    }

    func testFilesRoundTripThroughDiskWithFormatFromExtension() throws {
        let directory = try makeTemporaryDirectory(self)
        let image = patternImage(width: 10, height: 6, channels: 3)
        for name in ["a.png", "b.PNG", "c.jpg", "d.JPEG"] {
            let url = directory.appendingPathComponent(name)
            try ImageFile.write(image, to: url)
            let bytes = try Data(contentsOf: url)
            let expected: ImageFormat = name.lowercased().hasSuffix("png") ? .png : .jpeg
            XCTAssertEqual(ImageFormat.detect(bytes), expected, name)
            let back = try ImageFile.read(url)
            XCTAssertEqual(back.width, 10)
            XCTAssertEqual(back.height, 6)
            if expected == .png { XCTAssertEqual(back, image) }
        }
        XCTAssertEqual(try listing(directory), ["a.png", "b.PNG", "c.jpg", "d.JPEG"])
    }

    func testLargeFileRoundTrip() throws {
        // Incompressible pixels make a PNG of ~270 KB: a multi-call read(2) well past the 64 KiB minimum buffer.
        var rng = SeededGenerator(seed: 11)
        let pixels = (0..<(300 * 300 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let image = try RasterImage(width: 300, height: 300, channels: 3, pixels: pixels)
        let url = try makeTemporaryDirectory(self).appendingPathComponent("noise.png")
        try ImageFile.write(image, to: url)
        XCTAssertGreaterThan(try Data(contentsOf: url).count, 256 * 1024)
        XCTAssertEqual(try ImageFile.read(url), image)
    }

    func testReadingTrustsContentNotExtension() throws {
        let directory = try makeTemporaryDirectory(self)
        let image = patternImage(width: 5, height: 4, channels: 1)
        let url = directory.appendingPathComponent("actually-a-png.jpg")
        try ImageCodec.encode(image, as: .png).write(to: url)
        let decoded = try ImageFile.readDecoded(url)
        XCTAssertEqual(decoded.format, .png)
        XCTAssertEqual(decoded.image, image)
    }

    func testEncoderRejectsOversizedImagesWithoutCallingTheLibrary() throws {
        let wide = try RasterImage(width: 70_000, height: 1, channels: 1)
        let error = assertImageIOError(.tooLarge) { try ImageCodec.encode(wide, as: .png, name: "/tmp/wide.png") }
        XCTAssertTrue(error?.description.hasPrefix("/tmp/wide.png: ") ?? false, "\(String(describing: error))")
    }

    /// libpng and libjpeg keep all state per call: concurrent decoders and encoders must not interfere.
    func testConcurrentCodingIsIndependent() throws {
        let images = (0..<8).map { patternImage(width: 31 + $0, height: 17, channels: [1, 3, 4][$0 % 3], seed: $0) }
        let encoded = try images.map { try ImageCodec.encode($0, as: .png) }
        let jpegs = try images.map { try ImageCodec.encode($0.toRGB(), as: .jpeg) }
        let failures = ManagedAtomicCounter()
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            let i = index % images.count
            do {
                if try ImageCodec.decode(encoded[i]).image != images[i] { failures.increment() }
                if try ImageCodec.decode(jpegs[i]).image.width != images[i].width { failures.increment() }
                _ = try? ImageCodec.decode(Data(encoded[i].prefix(40)))
                if try ImageCodec.encode(images[i], as: .png) != encoded[i] { failures.increment() }
            } catch {
                failures.increment()
            }
        }
        XCTAssertEqual(failures.value, 0)
    }

    func testLibraryVersionsAreReported() {
        XCTAssertTrue(ImageCodec.libraryVersions.contains("libpng 1."), ImageCodec.libraryVersions)
        XCTAssertTrue(ImageCodec.libraryVersions.contains("jpeg"), ImageCodec.libraryVersions)
    }
}

/// A lock-protected counter for the concurrency test.
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
