import Foundation
import XCTest
@testable import ImageIO

/// Every broken input must end in an ImageIOError with a one-line message naming the file — never a crash,
/// abort, or output on stderr.
final class MalformedInputTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
    }

    private func file(_ name: String, _ bytes: [UInt8]) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func testEmptyFile() throws {
        let url = try file("empty.png", [])
        let error = assertImageIOError(.emptyFile) { try ImageFile.read(url) }
        XCTAssertEqual(error?.description, "\(url.path): empty file")
        XCTAssertEqual(error?.path, url.path)
    }

    func testTextFile() throws {
        let url = try file("photo.txt", Array("Hello, this is not an image.\n".utf8))
        let error = assertImageIOError(.notAnImage) { try ImageFile.read(url) }
        XCTAssertEqual(error?.description, "\(url.path): not a PNG or JPEG image")
        XCTAssertEqual(error?.localizedDescription, "\(url.path): not a PNG or JPEG image")
    }

    func testRandomBytes() throws {
        var rng = SeededGenerator(seed: 42)
        for round in 0..<50 {
            var bytes = (0..<Int.random(in: 1...2000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Every third case gets a real signature so the bytes reach libpng / libjpeg.
            if round % 3 == 1, bytes.count >= 8 { bytes.replaceSubrange(0..<8, with: PNGBuilder.signature) }
            if round % 3 == 2, bytes.count >= 3 { bytes.replaceSubrange(0..<3, with: [0xFF, 0xD8, 0xFF]) }
            XCTAssertThrowsError(try ImageCodec.decode(Data(bytes), name: "noise.bin"), "round \(round)") { error in
                XCTAssertTrue(error is ImageIOError)
                XCTAssertTrue("\(error)".hasPrefix("noise.bin: "), "\(error)")
            }
        }
    }

    func testMissingFileAndDirectory() throws {
        let missing = directory.appendingPathComponent("missing.png")
        let error = assertImageIOError(.fileSystem) { try ImageFile.read(missing) }
        XCTAssertEqual(error?.description, "\(missing.path): cannot open file (No such file or directory)")
        let sub = directory.appendingPathComponent("folder.png")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: false)
        assertImageIOError(.fileSystem) { try ImageFile.read(sub) }
    }

    func testPNGTruncatedAtEveryLength() throws {
        let png = [UInt8](try ImageCodec.encode(patternImage(width: 9, height: 7, channels: 4), as: .png))
        let error = assertImageIOError(.truncated) { try ImageFile.read(try file("cut.png", Array(png.prefix(png.count / 2)))) }
        XCTAssertTrue(error?.description.hasPrefix("\(directory.path)/cut.png: truncated PNG data (") ?? false, "\(String(describing: error))")
        for length in 4..<png.count {
            assertImageIOError(.truncated) { try ImageCodec.decode(Data(png.prefix(length)), name: "cut.png") }
        }
        for length in 1..<4 { // too short to recognise
            assertImageIOError(.notAnImage) { try ImageCodec.decode(Data(png.prefix(length)), name: "cut.png") }
        }
    }

    func testJPEGTruncatedAtEveryLength() throws {
        for data in [try ImageCodec.encode(gradientImage(width: 24, height: 17, channels: 3), as: .jpeg),
                     try ImageCodec.encode(gradientImage(width: 9, height: 9, channels: 1), as: .jpeg),
                     JPEGFixtures.progressive] {
            let jpeg = [UInt8](data)
            let error = assertImageIOError(.truncated) { try ImageFile.read(try file("cut.jpg", Array(jpeg.prefix(jpeg.count - 40)))) }
            XCTAssertTrue(error?.description.hasPrefix("\(directory.path)/cut.jpg: truncated JPEG data (") ?? false, "\(String(describing: error))")
            for length in 2..<jpeg.count {
                assertImageIOError(.truncated) { try ImageCodec.decode(Data(jpeg.prefix(length)), name: "cut.jpg") }
            }
        }
    }

    /// Mutation fuzzing: random byte changes, insertions and deletions in valid files. Each decode must either
    /// succeed or throw ImageIOError (JPEG tolerates many byte changes; PNG's CRCs catch nearly all).
    /// IMAGEIO_FUZZ_ROUNDS=N (and IMAGEIO_FUZZ_SEED) run a longer campaign, e.g. under --sanitize=address.
    func testMutatedFilesNeverCrash() throws {
        let environment = ProcessInfo.processInfo.environment
        let rounds = environment["IMAGEIO_FUZZ_ROUNDS"].flatMap { Int($0) } ?? 3000
        let seed = environment["IMAGEIO_FUZZ_SEED"].flatMap { UInt64($0) } ?? 2024
        let seeds: [Data] = [
            try ImageCodec.encode(patternImage(width: 12, height: 9, channels: 3), as: .png),
            try ImageCodec.encode(patternImage(width: 12, height: 9, channels: 1), as: .png),
            try ImageCodec.encode(gradientImage(width: 20, height: 12, channels: 3), as: .jpeg),
            JPEGFixtures.progressive,
            JPEGFixtures.cmyk,
            Data(PNGBuilder.make(width: 5, height: 5, bitDepth: 16, colorType: 4, interlaced: true) { x, y in [x * 9000, y * 9000] }),
        ]
        var rng = SeededGenerator(seed: seed)
        var outcomes: [String: Int] = [:]
        for round in 0..<rounds {
            var bytes = [UInt8](seeds[round % seeds.count])
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 2..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                default: if bytes.count > 3 { bytes.remove(at: at) }
                }
            }
            do {
                let decoded = try ImageCodec.decode(Data(bytes), name: "fuzz")
                XCTAssertEqual(decoded.image.pixels.count, decoded.image.width * decoded.image.height * decoded.image.channels)
                outcomes["ok", default: 0] += 1
            } catch let error as ImageIOError {
                outcomes[error.kind.rawValue, default: 0] += 1
            }
        }
        XCTAssertGreaterThan(outcomes["corrupt", default: 0], 0, "\(outcomes)")
    }

    func testUnknownExtensionOnWriteCreatesNothing() throws {
        let image = patternImage(width: 3, height: 3, channels: 3)
        for name in ["out.bmp", "out", "out.png.txt"] {
            let url = directory.appendingPathComponent(name)
            let error = assertImageIOError(.unsupportedExtension) { try ImageFile.write(image, to: url) }
            XCTAssertTrue(error?.description.hasPrefix("\(url.path): ") ?? false, "\(String(describing: error))")
        }
        XCTAssertEqual(try listing(directory), [])
        XCTAssertEqual(assertImageIOError(.unsupportedExtension) { try ImageFile.write(image, to: self.directory.appendingPathComponent("x.gif")) }?
            .description, "\(directory.path)/x.gif: unsupported extension '.gif'; use .png, .jpg or .jpeg")
    }

    func testNonFileURLIsRejected() throws {
        let url = try XCTUnwrap(URL(string: "https://example.com/a.png"))
        assertImageIOError(.invalidArgument) { try ImageFile.read(url) }
    }
}

/// The pixel limit is checked from the header, before any pixel is decoded (decompression bombs).
final class PixelLimitTests: XCTestCase {
    func pngHeader(width: UInt32, height: UInt32) -> Data {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        for v in [width, height] { bytes += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        return Data(bytes + [8, 2, 0, 0, 0, 0, 0, 0, 0])
    }

    /// SOI, an APP0 segment, then SOF0 stating height and width.
    func jpegHeader(width: UInt16, height: UInt16) -> Data {
        let app0: [UInt8] = [0xFF, 0xE0, 0, 6] + Array("JFIF".utf8)
        let sof: [UInt8] = [0xFF, 0xC0, 0, 11, 8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 1, 0x11, 0]
        return Data([0xFF, 0xD8] + app0 + sof)
    }

    func testDeclaredSizesAreReadFromPNGAndJPEGHeaders() {
        XCTAssertEqual(ImageLimits.declaredSize(pngHeader(width: 20000, height: 300)).map { [$0.width, $0.height] }, [20000, 300])
        XCTAssertEqual(ImageLimits.declaredSize(jpegHeader(width: 640, height: 480)).map { [$0.width, $0.height] }, [640, 480])
    }

    func testImagesOverTheLimitAreRefusedBeforeDecoding() {
        for data in [pngHeader(width: 20000, height: 20000), jpegHeader(width: 60000, height: 60000)] {
            XCTAssertThrowsError(try ImageCodec.decode(data, name: "bomb")) { error in
                XCTAssertEqual((error as? ImageIOError)?.kind, .tooLarge, "\(error)")
                XCTAssertTrue("\(error)".contains("over the limit of \(ImageLimits.defaultMaxPixels)"), "\(error)")
            }
        }
        // Under a raised limit the same header gets as far as the decoder (which finds the data missing).
        let saved = ImageLimits.maxPixels
        defer { ImageLimits.maxPixels = saved }
        ImageLimits.maxPixels = 20000 * 20000
        XCTAssertThrowsError(try ImageCodec.decode(pngHeader(width: 20000, height: 20000), name: "bomb")) { error in
            XCTAssertNotEqual((error as? ImageIOError)?.kind, .tooLarge, "\(error)")
        }
    }
}
