/// An 8-bit raster: `height` rows of `width` pixels of `channels` interleaved samples (HWC, rows packed).
/// Channels are 1 (gray), 3 (RGB) or 4 (RGBA, straight — not premultiplied — alpha).
public struct RasterImage: Equatable, Hashable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// `width * height * channels` samples; row `y` starts at `y * width * channels`.
    public private(set) var pixels: [UInt8]

    /// Wraps existing samples; throws `.invalidArgument` when the shape does not match `pixels.count`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        let count = try RasterImage.sampleCount(width: width, height: height, channels: channels)
        guard pixels.count == count else {
            throw ImageIOError(.invalidArgument,
                               "\(pixels.count) samples do not make a \(width)x\(height) image with \(channels) channels (need \(count))")
        }
        self.init(unchecked: width, height, channels, pixels)
    }

    /// A uniformly filled image.
    public init(width: Int, height: Int, channels: Int, fill: UInt8 = 0) throws {
        let count = try RasterImage.sampleCount(width: width, height: height, channels: channels)
        self.init(unchecked: width, height, channels, [UInt8](repeating: fill, count: count))
    }

    /// For code in this module that has already established the shape.
    init(unchecked width: Int, _ height: Int, _ channels: Int, _ pixels: [UInt8]) {
        assert(pixels.count == width * height * channels && [1, 3, 4].contains(channels))
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Checks the shape and returns the number of samples it needs.
    static func sampleCount(width: Int, height: Int, channels: Int) throws -> Int {
        guard [1, 3, 4].contains(channels) else {
            throw ImageIOError(.invalidArgument, "images have 1, 3 or 4 channels, not \(channels)")
        }
        guard width > 0, height > 0 else {
            throw ImageIOError(.invalidArgument, "image size must be positive, not \(width)x\(height)")
        }
        let (area, o1) = width.multipliedReportingOverflow(by: height)
        let (count, o2) = area.multipliedReportingOverflow(by: channels)
        guard !o1, !o2 else {
            throw ImageIOError(.tooLarge, "a \(width)x\(height) image with \(channels) channels does not fit in memory")
        }
        return count
    }

    public var hasAlpha: Bool { channels == 4 }

    /// Samples per row.
    public var rowStride: Int { width * channels }

    /// One sample; `x`, `y`, `channel` must be in range (a bug otherwise, so this traps).
    public subscript(x: Int, y: Int, channel: Int) -> UInt8 {
        get {
            precondition(x >= 0 && x < width && y >= 0 && y < height && channel >= 0 && channel < channels,
                         "pixel (\(x), \(y), \(channel)) outside a \(width)x\(height)x\(channels) image")
            return pixels[(y * width + x) * channels + channel]
        }
        set {
            precondition(x >= 0 && x < width && y >= 0 && y < height && channel >= 0 && channel < channels,
                         "pixel (\(x), \(y), \(channel)) outside a \(width)x\(height)x\(channels) image")
            pixels[(y * width + x) * channels + channel] = newValue
        }
    }

    /// All samples of pixel (x, y).
    public func pixel(x: Int, y: Int) -> ArraySlice<UInt8> {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
        let start = (y * width + x) * channels
        return pixels[start..<start + channels]
    }

    /// Direct access to the samples for bulk work; the count cannot change.
    public mutating func withUnsafeMutableSamples<R>(_ body: (UnsafeMutableBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try pixels.withUnsafeMutableBufferPointer { try body($0) }
    }
}
