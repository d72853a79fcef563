import Foundation
import XCTest
@testable import ImageIO

/// Deterministic generator (SplitMix64) so that "random" test inputs are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A fresh directory under the system temp dir, removed by the test's teardown.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("ImageIOTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Names in `directory`, sorted.
func listing(_ directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
}

/// Asserts that `body` throws an ImageIOError of `kind` and returns it for further checks.
@discardableResult
func assertImageIOError<T>(_ kind: ImageIOError.Kind, file: StaticString = #filePath, line: UInt = #line,
                           _ body: () throws -> T) -> ImageIOError? {
    do {
        _ = try body()
        XCTFail("expected ImageIOError.\(kind), got success", file: file, line: line)
    } catch let error as ImageIOError {
        XCTAssertEqual(error.kind, kind, "message: \(error)", file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "one-line message expected: \(error)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected ImageIOError, got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}

/// Image whose every sample is a function of position (so misplaced pixels are visible).
func patternImage(width: Int, height: Int, channels: Int, seed: Int = 0) -> RasterImage {
    var pixels = [UInt8]()
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels { pixels.append(UInt8(truncatingIfNeeded: x * 37 + y * 91 + c * 53 + seed * 17)) }
        }
    }
    return try! RasterImage(width: width, height: height, channels: channels, pixels: pixels)
}

/// A smooth gradient, the kind of content JPEG reproduces closely.
func gradientImage(width: Int, height: Int, channels: Int) -> RasterImage {
    var pixels = [UInt8]()
    for y in 0..<height {
        for x in 0..<width {
            let r = x * 255 / max(1, width - 1)
            let g = y * 255 / max(1, height - 1)
            let b = (x + y) * 255 / max(1, width + height - 2)
            let values = [r, g, b, 255]
            for c in 0..<channels { pixels.append(UInt8(channels == 1 ? (r + g) / 2 : values[c])) }
        }
    }
    return try! RasterImage(width: width, height: height, channels: channels, pixels: pixels)
}

func meanAbsoluteError(_ a: RasterImage, _ b: RasterImage) -> Double {
    precondition(a.pixels.count == b.pixels.count)
    var total = 0
    for i in 0..<a.pixels.count { total += abs(Int(a.pixels[i]) - Int(b.pixels[i])) }
    return Double(total) / Double(a.pixels.count)
}

/// Tiny JPEG fixtures made once with a throwaway libjpeg program (4:4:4 sampling):
/// - cmyk: 16x8 CMYK with an Adobe marker, values stored inverted as Photoshop does; left half 100% cyan ink,
///   right half 50% (128/255) black ink; quality 100.
/// - progressive: 16x16 RGB, R = 16x, G = 16y, B = 128, jpeg_simple_progression, quality 90.
enum JPEGFixtures {
    static let cmyk = Data(base64Encoded: "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB/8AAFAgACAAQBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD/AD/6/v4r+/iv7+K/3+KKK/z/AOv/2Q==")!
    static let progressive = Data(base64Encoded: "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wgARCAAQABADAREAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAABgf/xAAYAQACAwAAAAAAAAAAAAAAAAAFBwQGCP/aAAwDAQACEAMQAAABlVwjswTVYg8xswTV/8QAFhAAAwAAAAAAAAAAAAAAAAAAAAQF/9oACAEBAAEFAlZQpKFJQrKP/8QAGBEAAwEBAAAAAAAAAAAAAAAAAAQFMSH/2gAIAQMBAT8Bmv50mv50mv4TX8P/xAAWEQADAAAAAAAAAAAAAAAAAAAAAwT/2gAIAQIBAT8BdYOsHWDrD//EABUQAQEAAAAAAAAAAAAAAAAAAAAx/9oACAEBAAY/AoiI/8QAFRABAQAAAAAAAAAAAAAAAAAAADH/2gAIAQEAAT8hmxYs3//aAAwDAQACAAMAAAAQDS//xAAWEQEBAQAAAAAAAAAAAAAAAAAAURD/2gAIAQMBAT8QxEoUP//EABYRAAMAAAAAAAAAAAAAAAAAAAAhMf/aAAgBAgEBPxCjKMoyjP/EABUQAQEAAAAAAAAAAAAAAAAAAADx/9oACAEBAAE/EJSEhJT/2Q==")!
}

/// Hand-assembled PNGs for colour types and bit depths our encoder does not produce. Uses stored (uncompressed)
/// deflate blocks, so the builder needs only CRC-32 and Adler-32.
enum PNGBuilder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in bytes {
            a = (a + UInt32(x)) % 65521
            b = (b + a) % 65521
        }
        return (b << 16) | a
    }

    static func bigEndian32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian32(UInt32(data.count)) + body + bigEndian32(crc32(body))
    }

    /// zlib stream of stored blocks.
    static func zlibStored(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, raw.count - offset)
            let final: UInt8 = offset + n == raw.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += raw[offset..<offset + n]
            offset += n
        } while offset < raw.count
        return out + bigEndian32(adler32(raw))
    }

    /// Packs one row of samples at `bitDepth` (1, 2, 4: MSB first; 8; 16: big-endian).
    static func pack(_ samples: [Int], bitDepth: Int) -> [UInt8] {
        switch bitDepth {
        case 8: return samples.map { UInt8($0) }
        case 16: return samples.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        default:
            var out = [UInt8](repeating: 0, count: (samples.count * bitDepth + 7) / 8)
            for (i, s) in samples.enumerated() {
                let bit = i * bitDepth
                out[bit / 8] |= UInt8(s << (8 - bitDepth - bit % 8))
            }
            return out
        }
    }

    static let adam7: [(x: Int, y: Int, dx: Int, dy: Int)] =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

    /// A PNG of `width`x`height` whose pixel (x, y) has the stored samples `sample(x, y)` at `bitDepth`.
    /// `before` holds extra chunks (PLTE, tRNS, ...) placed between IHDR and IDAT.
    static func make(width: Int, height: Int, bitDepth: Int, colorType: UInt8, interlaced: Bool = false,
                     before: [[UInt8]] = [], splitIDAT: Bool = false, sample: (Int, Int) -> [Int]) -> [UInt8] {
        var raw = [UInt8]()
        func appendRows(_ xs: [Int], _ ys: [Int]) {
            guard !xs.isEmpty else { return } // empty Adam7 passes are omitted entirely
            for y in ys {
                raw.append(0) // filter type None
                raw += pack(xs.flatMap { x in sample(x, y) }, bitDepth: bitDepth)
            }
        }
        if interlaced {
            for pass in adam7 {
                appendRows(Array(stride(from: pass.x, to: width, by: pass.dx)),
                           Array(stride(from: pass.y, to: height, by: pass.dy)))
            }
        } else {
            appendRows(Array(0..<width), Array(0..<height))
        }
        let ihdr = bigEndian32(UInt32(width)) + bigEndian32(UInt32(height))
            + [UInt8(bitDepth), colorType, 0, 0, interlaced ? 1 : 0]
        var png = signature + chunk("IHDR", ihdr)
        for extra in before { png += extra }
        let compressed = zlibStored(raw)
        if splitIDAT {
            let half = compressed.count / 2
            png += chunk("IDAT", Array(compressed[..<half])) + chunk("IDAT", Array(compressed[half...]))
        } else {
            png += chunk("IDAT", compressed)
        }
        return png + chunk("IEND", [])
    }
}
