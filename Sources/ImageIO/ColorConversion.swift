/// What to do with an alpha channel when converting to a format without one.
public enum AlphaHandling: Equatable, Hashable, Sendable {
    /// Blend over a uniform gray level: `out = round((c * a + background * (255 - a)) / 255)`.
    case composite(background: UInt8)
    /// Ignore alpha and keep the stored colour, as if the image were opaque.
    case drop

    /// The default everywhere in this module: composite over white, which is how viewers show transparency
    /// and keeps fully transparent areas from turning into arbitrary (often black) colours.
    public static let overWhite = AlphaHandling.composite(background: 255)
}

extension RasterImage {
    /// RGB copy. Gray is replicated into R, G and B; RGBA is flattened by `alpha` (default: over white).
    public func toRGB(alpha: AlphaHandling = .overWhite) -> RasterImage {
        switch channels {
        case 3:
            return self
        case 1:
            var out = [UInt8](repeating: 0, count: width * height * 3)
            for i in 0..<(width * height) {
                let v = pixels[i]
                out[3 * i] = v
                out[3 * i + 1] = v
                out[3 * i + 2] = v
            }
            return RasterImage(unchecked: width, height, 3, out)
        default:
            var out = [UInt8](repeating: 0, count: width * height * 3)
            for i in 0..<(width * height) {
                let a = pixels[4 * i + 3]
                for c in 0..<3 { out[3 * i + c] = Self.flatten(pixels[4 * i + c], alpha: a, alpha) }
            }
            return RasterImage(unchecked: width, height, 3, out)
        }
    }

    /// Gray copy using BT.601 luma (0.299 R + 0.587 G + 0.114 B, rounded; the weights libjpeg and PIL use).
    /// RGBA is flattened by `alpha` first (default: over white).
    public func toGray(alpha: AlphaHandling = .overWhite) -> RasterImage {
        if channels == 1 { return self }
        var out = [UInt8](repeating: 0, count: width * height)
        for i in 0..<(width * height) {
            let base = channels * i
            var r = pixels[base], g = pixels[base + 1], b = pixels[base + 2]
            if channels == 4 {
                let a = pixels[base + 3]
                r = Self.flatten(r, alpha: a, alpha)
                g = Self.flatten(g, alpha: a, alpha)
                b = Self.flatten(b, alpha: a, alpha)
            }
            out[i] = Self.luma(r, g, b)
        }
        return RasterImage(unchecked: width, height, 1, out)
    }

    /// RGBA copy; images without alpha become fully opaque.
    public func toRGBA() -> RasterImage {
        if channels == 4 { return self }
        let rgb = toRGB()
        var out = [UInt8](repeating: 255, count: width * height * 4)
        for i in 0..<(width * height) {
            out[4 * i] = rgb.pixels[3 * i]
            out[4 * i + 1] = rgb.pixels[3 * i + 1]
            out[4 * i + 2] = rgb.pixels[3 * i + 2]
        }
        return RasterImage(unchecked: width, height, 4, out)
    }

    /// Converts to 1, 3 or 4 channels with the rules of `toGray`, `toRGB` and `toRGBA`.
    public func converted(toChannels target: Int, alpha: AlphaHandling = .overWhite) throws -> RasterImage {
        switch target {
        case 1: return toGray(alpha: alpha)
        case 3: return toRGB(alpha: alpha)
        case 4: return toRGBA()
        default: throw ImageIOError(.invalidArgument, "images have 1, 3 or 4 channels, not \(target)")
        }
    }

    /// Integer BT.601 luma; the weights are scaled to sum to 2^16 so that white stays 255.
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let red: Int = 19595 * Int(r)
        let green: Int = 38470 * Int(g)
        let blue: Int = 7471 * Int(b)
        return UInt8((red + green + blue + 32768) >> 16)
    }

    static func flatten(_ value: UInt8, alpha a: UInt8, _ handling: AlphaHandling) -> UInt8 {
        switch handling {
        case .drop:
            return value
        case .composite(let background):
            let blended = Int(value) * Int(a) + Int(background) * (255 - Int(a))
            return UInt8((blended + 127) / 255)
        }
    }
}
