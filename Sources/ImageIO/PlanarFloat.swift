/// Conversions between 8-bit HWC images and the tensor layer's float CHW layout in [-1, 1]
/// (DESIGN §5: images as NCHW float32 in [-1, 1]).
///
/// Forward: `v = Float(x) / 127.5 - 1`, so 0 → -1, 255 → 1.
/// Back: `x = round(clamp(v * 127.5 + 127.5, 0, 255))` with round-half-away-from-zero (standard rounding; the
/// same as the common `(v * 127.5 + 128).clamp(0, 255).to(uint8)` in StyleGAN code). NaN becomes 0.
/// The round trip 8-bit → float → 8-bit is exact for every value.
extension RasterImage {
    /// Samples as planar CHW floats in [-1, 1]: all of channel 0 (row-major), then channel 1, ...
    public func planarFloats() -> [Float] {
        [Float](unsafeUninitializedCapacity: pixels.count) { buffer, initialized in
            writePlanarFloats(into: buffer)
            initialized = pixels.count
        }
    }

    /// Writes the planar floats into caller memory (e.g. a tensor's storage) of exactly `pixels.count` floats.
    public func writePlanarFloats(into buffer: UnsafeMutableBufferPointer<Float>) {
        precondition(buffer.count == pixels.count,
                     "planar buffer holds \(buffer.count) floats, the image has \(pixels.count) samples")
        let plane = width * height, channels = self.channels
        pixels.withUnsafeBufferPointer { src in
            for c in 0..<channels {
                let out = buffer.baseAddress! + c * plane
                for i in 0..<plane { out[i] = Float(src[i * channels + c]) / 127.5 - 1 }
            }
        }
    }

    /// An image from planar CHW floats in [-1, 1] (values outside are clamped).
    public init(planar: [Float], channels: Int, height: Int, width: Int) throws {
        self = try planar.withUnsafeBufferPointer {
            try RasterImage(planar: $0, channels: channels, height: height, width: width)
        }
    }

    /// As `init(planar:channels:height:width:)`, reading straight from caller memory (e.g. a tensor's storage).
    public init(planar: UnsafeBufferPointer<Float>, channels: Int, height: Int, width: Int) throws {
        let count = try RasterImage.sampleCount(width: width, height: height, channels: channels)
        guard planar.count == count else {
            throw ImageIOError(.invalidArgument,
                               "\(planar.count) floats do not make a \(channels)x\(height)x\(width) planar image (need \(count))")
        }
        let plane = width * height
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            let src = planar.baseAddress!
            for c in 0..<channels {
                for i in 0..<plane { out[i * channels + c] = RasterImage.quantize(src[c * plane + i]) }
            }
            initialized = count
        }
        self.init(unchecked: width, height, channels, pixels)
    }

    /// [-1, 1] float to 8-bit, as documented on this extension.
    @inline(__always)
    static func quantize(_ value: Float) -> UInt8 {
        let scaled = value * 127.5 + 127.5
        guard scaled > 0 else { return 0 } // also catches NaN
        guard scaled < 255 else { return 255 }
        return UInt8(scaled.rounded(.toNearestOrAwayFromZero))
    }
}
