import CImageCodec
import Foundation

/// Colour model of the encoded data before it was expanded to 8-bit gray / RGB / RGBA.
public enum SourceColor: String, Equatable, Sendable {
    case gray, grayAlpha, rgb, rgba, palette, cmyk, ycbcr

    init(_ raw: UInt32) {
        switch raw {
        case CIMG_COLOR_GRAY.rawValue: self = .gray
        case CIMG_COLOR_GRAY_ALPHA.rawValue: self = .grayAlpha
        case CIMG_COLOR_RGB.rawValue: self = .rgb
        case CIMG_COLOR_RGBA.rawValue: self = .rgba
        case CIMG_COLOR_PALETTE.rawValue: self = .palette
        case CIMG_COLOR_CMYK.rawValue: self = .cmyk
        default: self = .ycbcr
        }
    }
}

/// A decoded image plus what the file said about itself.
public struct DecodedImage: Equatable, Sendable {
    /// The pixels as stored, orientation not applied.
    public var image: RasterImage
    public var format: ImageFormat
    public var sourceColor: SourceColor
    /// Bits per sample in the file (PNG 1, 2, 4, 8, 16; JPEG 8); the image itself is always 8-bit.
    public var sourceBitDepth: Int
    /// EXIF orientation 1...8 (JPEG APP1); 1 when absent.
    public var exifOrientation: Int

    /// The image as it should be displayed: `image` with the EXIF orientation applied.
    public var orientedImage: RasterImage { image.applyingEXIFOrientation(exifOrientation) }
}

/// How images are written.
public struct ImageEncodingOptions: Equatable, Sendable {
    /// JPEG quality 1...100.
    public var jpegQuality: Int
    /// JPEG 4:2:0 chroma subsampling (smaller files) instead of 4:4:4 (no colour bleeding at edges).
    public var jpegSubsampleChroma: Bool
    /// JPEG has no alpha: how RGBA images are flattened before encoding. PNG keeps alpha as it is.
    public var jpegAlpha: AlphaHandling

    public init(jpegQuality: Int = 95, jpegSubsampleChroma: Bool = false, jpegAlpha: AlphaHandling = .overWhite) {
        self.jpegQuality = jpegQuality
        self.jpegSubsampleChroma = jpegSubsampleChroma
        self.jpegAlpha = jpegAlpha
    }
}

/// In-memory PNG/JPEG coding over the CImageCodec C target. `name` only labels error messages.
public enum ImageCodec {
    /// Versions of libpng and libjpeg this module was built with.
    public static var libraryVersions: String { String(cString: cimg_library_versions()) }

    /// Decodes PNG or JPEG bytes, detecting the format from the signature.
    public static func decode(_ data: Data, name: String? = nil) throws -> DecodedImage {
        if data.isEmpty { throw ImageIOError(.emptyFile, path: name, "empty file") }
        guard let format = ImageFormat.detect(data) else {
            throw ImageIOError(.notAnImage, path: name, "not a PNG or JPEG image")
        }
        try ImageLimits.check(data, name: name)
        var raw = cimg_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> cimg_status in
            let base = bytes.bindMemory(to: UInt8.self).baseAddress
            return message.withUnsafeMutableBufferPointer { text in
                switch format {
                case .png: return cimg_decode_png(base, bytes.count, &raw, text.baseAddress, text.count)
                case .jpeg: return cimg_decode_jpeg(base, bytes.count, &raw, text.baseAddress, text.count)
                }
            }
        }
        guard status == CIMG_OK, let buffer = raw.pixels else {
            throw error(for: status, message: message, format: format, name: name)
        }
        defer { cimg_free(buffer) }
        let width = Int(raw.width), height = Int(raw.height), channels = Int(raw.channels)
        let pixels = [UInt8](UnsafeBufferPointer(start: buffer, count: width * height * channels))
        return DecodedImage(image: RasterImage(unchecked: width, height, channels, pixels),
                            format: format,
                            sourceColor: SourceColor(raw.source_color),
                            sourceBitDepth: Int(raw.source_bit_depth),
                            exifOrientation: Int(raw.orientation))
    }

    /// Encodes to PNG (1, 3 or 4 channels, lossless) or JPEG (alpha flattened per `options.jpegAlpha`).
    public static func encode(_ image: RasterImage, as format: ImageFormat,
                              options: ImageEncodingOptions = ImageEncodingOptions(),
                              name: String? = nil) throws -> Data {
        if format == .jpeg, !(1...100).contains(options.jpegQuality) {
            throw ImageIOError(.invalidArgument, path: name, "JPEG quality \(options.jpegQuality) is outside 1...100")
        }
        guard image.width <= Int(CIMG_MAX_SIDE), image.height <= Int(CIMG_MAX_SIDE),
              image.pixels.count <= Int(CIMG_MAX_BYTES) else {
            throw ImageIOError(.tooLarge, path: name,
                               "cannot encode a \(image.width)x\(image.height) image: the limit is \(CIMG_MAX_SIDE) pixels per side and 2^31 bytes")
        }
        let source = format == .jpeg && image.hasAlpha ? image.toRGB(alpha: options.jpegAlpha) : image
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = source.pixels.withUnsafeBufferPointer { samples in
            message.withUnsafeMutableBufferPointer { text in
                let w = UInt32(source.width), h = UInt32(source.height), c = UInt32(source.channels)
                switch format {
                case .png:
                    return cimg_encode_png(samples.baseAddress, w, h, c, &output, &size, text.baseAddress, text.count)
                case .jpeg:
                    return cimg_encode_jpeg(samples.baseAddress, w, h, c, Int32(options.jpegQuality),
                                            options.jpegSubsampleChroma ? 1 : 0,
                                            &output, &size, text.baseAddress, text.count)
                }
            }
        }
        guard status == CIMG_OK, let output else {
            throw error(for: status, message: message, format: format, name: name, encoding: true)
        }
        defer { cimg_free(output) }
        return Data(bytes: output, count: size)
    }

    static func error(for status: cimg_status, message: [CChar], format: ImageFormat, name: String?,
                      encoding: Bool = false) -> ImageIOError {
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let detail = text.isEmpty ? "" : " (\(text))"
        let kind = format.name
        switch status {
        case CIMG_ERR_FORMAT:
            return ImageIOError(.notAnImage, path: name, "not a PNG or JPEG image\(detail)")
        case CIMG_ERR_TRUNCATED:
            return ImageIOError(.truncated, path: name, "truncated \(kind) data\(detail)")
        case CIMG_ERR_UNSUPPORTED:
            return ImageIOError(.unsupported, path: name, "unsupported \(kind) variant\(detail)")
        case CIMG_ERR_TOO_LARGE:
            return ImageIOError(.tooLarge, path: name, "image too large\(detail)")
        case CIMG_ERR_NO_MEMORY:
            return ImageIOError(.outOfMemory, path: name, "out of memory \(encoding ? "encoding" : "decoding") \(kind)\(detail)")
        case CIMG_ERR_ARGUMENT:
            return ImageIOError(.invalidArgument, path: name, "cannot \(encoding ? "encode" : "decode") \(kind)\(detail)")
        default:
            return ImageIOError(.corrupt, path: name, encoding ? "\(kind) encoder failed\(detail)" : "corrupt \(kind) data\(detail)")
        }
    }
}
