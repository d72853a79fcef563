import Foundation

/// A linear-ish RGB colour in [0, 1] per channel (values outside are clamped only when written to pixels).
/// The synthetic renderer composites in these floats and converts to 8 bits once per output pixel.
public struct FaceColor: Codable, Equatable, Hashable, Sendable {
    public var r: Float
    public var g: Float
    public var b: Float

    public init(_ r: Float, _ g: Float, _ b: Float) {
        self.r = r
        self.g = g
        self.b = b
    }

    public init(gray: Float) { self.init(gray, gray, gray) }

    /// From hue (0…1, wrapping), saturation and value (0…1).
    public init(hue: Double, saturation: Double, value: Double) {
        let h = (hue - hue.rounded(.down)) * 6
        let s = min(max(saturation, 0), 1), v = min(max(value, 0), 1)
        let sector = Int(h) % 6, f = h - h.rounded(.down)
        let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
        let (r, g, b): (Double, Double, Double)
        switch sector {
        case 0: (r, g, b) = (v, t, p)
        case 1: (r, g, b) = (q, v, p)
        case 2: (r, g, b) = (p, v, t)
        case 3: (r, g, b) = (p, q, v)
        case 4: (r, g, b) = (t, p, v)
        default: (r, g, b) = (v, p, q)
        }
        self.init(Float(r), Float(g), Float(b))
    }

    public static let black = FaceColor(gray: 0)
    public static let white = FaceColor(gray: 1)

    @inline(__always) static func + (l: FaceColor, r: FaceColor) -> FaceColor { FaceColor(l.r + r.r, l.g + r.g, l.b + r.b) }
    @inline(__always) static func - (l: FaceColor, r: FaceColor) -> FaceColor { FaceColor(l.r - r.r, l.g - r.g, l.b - r.b) }
    @inline(__always) static func * (l: FaceColor, s: Float) -> FaceColor { FaceColor(l.r * s, l.g * s, l.b * s) }
    @inline(__always) static func * (l: FaceColor, r: FaceColor) -> FaceColor { FaceColor(l.r * r.r, l.g * r.g, l.b * r.b) }

    /// `self` moved towards `other` by `t` (0 = self, 1 = other).
    @inline(__always) func mixed(_ other: FaceColor, _ t: Float) -> FaceColor {
        FaceColor(r + (other.r - r) * t, g + (other.g - g) * t, b + (other.b - b) * t)
    }

    var luminance: Float { 0.299 * r + 0.587 * g + 0.114 * b }
}

@inline(__always) func clamp01(_ x: Float) -> Float { min(max(x, 0), 1) }

@inline(__always) func smoothstep(_ e0: Float, _ e1: Float, _ x: Float) -> Float {
    let t = clamp01((x - e0) / (e1 - e0))
    return t * t * (3 - 2 * t)
}

/// The two sides, image-left (−1) then image-right (+1), without allocating.
let sides = stride(from: Float(-1), through: 1, by: 2)
