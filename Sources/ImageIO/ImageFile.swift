import Foundation
import TensorIO

/// Reading and writing image files. Reading trusts the content (magic bytes), never the extension; writing
/// picks the format from the extension and replaces the destination atomically.
public enum ImageFile {
    /// Reads a PNG or JPEG file as displayed: JPEG EXIF orientation is applied unless `applyOrientation` is
    /// false. Throws `ImageIOError` naming the file: empty file, not an image, truncated or corrupt data,
    /// image too large, unreadable file.
    public static func read(_ url: URL, applyOrientation: Bool = true) throws -> RasterImage {
        let decoded = try readDecoded(url)
        return applyOrientation ? decoded.orientedImage : decoded.image
    }

    /// Reads a file and reports what it contained (format, stored colour model and bit depth, orientation).
    public static func readDecoded(_ url: URL) throws -> DecodedImage {
        let path = try filePath(url)
        return try ImageCodec.decode(FileBytes.read(path), name: path)
    }

    /// Writes `image` as PNG (`.png`) or JPEG (`.jpg`, `.jpeg`), case-insensitive; any other extension throws
    /// `.unsupportedExtension` before anything is created. The image is encoded fully in memory, then written to
    /// a temporary file beside the destination and renamed over it: there is never a partial file at `url`,
    /// and the temporary file is removed on failure.
    public static func write(_ image: RasterImage, to url: URL,
                             options: ImageEncodingOptions = ImageEncodingOptions()) throws {
        let path = try filePath(url)
        let format = try outputFormat(for: path)
        let data = try ImageCodec.encode(image, as: format, options: options, name: path)
        do {
            try AtomicFile.write(data, to: URL(fileURLWithPath: path))
        } catch let error as TensorIOError {
            throw ImageIOError(.fileSystem, path: path, error.message)
        }
    }

    /// The format `write` would choose for `url`, or an `.unsupportedExtension` error.
    public static func outputFormat(for url: URL) throws -> ImageFormat {
        try outputFormat(for: filePath(url))
    }

    static func outputFormat(for path: String) throws -> ImageFormat {
        let ext = (path as NSString).pathExtension
        guard let format = ImageFormat(fileExtension: ext) else {
            let shown = ext.isEmpty ? "no extension" : "unsupported extension '.\(ext)'"
            throw ImageIOError(.unsupportedExtension, path: path, "\(shown); use .png, .jpg or .jpeg")
        }
        return format
    }

    static func filePath(_ url: URL) throws -> String {
        guard url.isFileURL else {
            throw ImageIOError(.invalidArgument, path: url.absoluteString, "not a file URL")
        }
        return url.path
    }
}
