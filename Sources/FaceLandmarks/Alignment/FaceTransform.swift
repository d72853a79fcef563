import Foundation
import ImageIO

/// Where an aligned crop came from: the FFHQ quad in the source photo and the sizes involved. Written as JSON
/// beside each crop (`gradstyle align`) and used to paste an edited crop back.
///
/// Coordinates: `quad` is in the photo's pixel coordinates with pixel centres at integers (as dlib's landmarks
/// are), corners NW, SW, SE, NE of the crop. The crop's pixel-edge point (u, v) ∈ [0, outputSize]² comes from the
/// photo's pixel-edge point NW' + (NE' − NW')·u/S + (SW' − NW')·v/S, where X' = X + 0.5 (the script hands
/// `quad + 0.5` to Pillow, whose coordinates are pixel edges).
public struct FaceTransform: Codable, Equatable, Sendable {
    public struct Point: Codable, Equatable, Sendable {
        public var x: Double
        public var y: Double
    }

    public var quad: [Point]
    public var outputSize: Int
    public var transformSize: Int
    public var sourceWidth: Int
    public var sourceHeight: Int

    public init(quad: [SIMD2<Double>], outputSize: Int, transformSize: Int, sourceWidth: Int, sourceHeight: Int) {
        self.quad = quad.map { Point(x: $0.x, y: $0.y) }
        self.outputSize = outputSize
        self.transformSize = transformSize
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
    }

    var corners: [SIMD2<Double>] { quad.map { SIMD2($0.x, $0.y) } }

    /// Crop pixel-edge coordinates (for a crop of side `side`) → photo pixel-edge coordinates.
    func photoPoint(u: Double, v: Double, side: Int) -> SIMD2<Double> {
        let q = corners.map { $0 + 0.5 }
        return q[0] + (q[3] - q[0]) * (u / Double(side)) + (q[1] - q[0]) * (v / Double(side))
    }

    /// Photo pixel-edge coordinates → crop pixel-edge coordinates (the quad is a square, so the map is affine and
    /// inverts exactly).
    func cropPoint(_ p: SIMD2<Double>, side: Int) -> SIMD2<Double> {
        let q = corners.map { $0 + 0.5 }
        let a = q[3] - q[0], b = q[1] - q[0], d = p - q[0]
        let det = a.x * b.y - a.y * b.x
        let u = (d.x * b.y - d.y * b.x) / det
        let v = (a.x * d.y - a.y * d.x) / det
        return SIMD2(u, v) * Double(side)
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func read(_ url: URL) throws -> FaceTransform {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FaceLandmarkError("\(url.lastPathComponent): cannot read (\(error.localizedDescription))")
        }
        guard let t = try? JSONDecoder().decode(FaceTransform.self, from: data), t.quad.count == 4, t.outputSize > 0 else {
            throw FaceLandmarkError("\(url.lastPathComponent): not a face transform (expected quad, outputSize, transformSize, sourceWidth, sourceHeight)")
        }
        return t
    }
}

/// An aligned crop and where it came from.
public struct AlignedFace {
    public var image: RasterImage
    public var transform: FaceTransform

    /// The image as packed RGB (gray replicated, alpha dropped).
    static func rgb(_ image: RasterImage) throws -> RasterImage {
        if image.channels == 3 { return image }
        let c = image.channels
        var out = [UInt8](repeating: 0, count: image.width * image.height * 3)
        for i in 0..<(image.width * image.height) {
            for k in 0..<3 { out[3 * i + k] = image.pixels[c * i + (c == 1 ? 0 : k)] }
        }
        return try RasterImage(width: image.width, height: image.height, channels: 3, pixels: out)
    }
}
