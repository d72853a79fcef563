import Foundation

/// How large a decoded image may be. A small, valid PNG can declare 20000×20000 pixels and expand to gigabytes
/// (a decompression bomb), so the size is read from the header and checked before any pixel is decoded, as image
/// tools do; the limit can be raised for genuinely large inputs.
public enum ImageLimits {
    /// The default: 8192² pixels (≈ 200 MB as 8-bit RGB, ≈ 800 MB as the float tensors the models take).
    public static let defaultMaxPixels = 8192 * 8192

    /// The most pixels (width × height) a decoded image may have; process-wide, set once at start-up.
    public nonisolated(unsafe) static var maxPixels = defaultMaxPixels

    /// Width and height as a PNG's IHDR or a JPEG's SOF segment state them, or nil when the header does not say.
    public static func declaredSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(1 << 20))
        func be16(_ i: Int) -> Int { Int(bytes[i]) << 8 | Int(bytes[i + 1]) }
        func be32(_ i: Int) -> Int { be16(i) << 16 | be16(i + 2) }
        switch ImageFormat.detect(data) {
        case .png:
            // Signature (8), IHDR length (4) and type (4), then width and height.
            guard bytes.count >= 24, bytes[12...15].elementsEqual("IHDR".utf8) else { return nil }
            return (be32(16), be32(20))
        case .jpeg:
            // Walk the marker segments to the first start-of-frame (SOF0…SOF15 except DHT, JPG, DAC).
            var i = 2
            while i + 9 < bytes.count {
                guard bytes[i] == 0xFF else { return nil }
                let marker = bytes[i + 1]
                if marker == 0xFF { i += 1; continue }
                if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                    return (be16(i + 7), be16(i + 5))
                }
                if marker == 0xD8 || (0xD0...0xD7).contains(marker) { i += 2; continue }
                i += 2 + be16(i + 2)
            }
            return nil
        case nil:
            return nil
        }
    }

    /// Throws `.tooLarge` naming the file when the header declares more than `maxPixels` pixels.
    public static func check(_ data: Data, name: String?) throws {
        guard let (width, height) = declaredSize(data) else { return }
        let pixels = width.multipliedReportingOverflow(by: height)
        if pixels.overflow || pixels.partialValue > maxPixels {
            throw ImageIOError(.tooLarge, path: name,
                               "\(width)×\(height) pixels is over the limit of \(maxPixels) (a decompression bomb?); "
                                   + "--max-pixels raises it")
        }
    }
}
