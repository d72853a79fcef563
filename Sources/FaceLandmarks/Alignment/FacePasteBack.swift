import Foundation
import ImageIO

/// Puts an edited (or reconstructed) aligned crop back into the photo it was cut from: every photo pixel whose
/// centre maps inside the crop's feathered mask is blended with the crop sampled bilinearly at that point; every
/// other pixel is copied unchanged, so outside the mask the output equals the photo bit for bit.
///
/// The mask is a square inset `inset` of the crop side from its edges, ramping linearly from 0 to 1 over the
/// next `feather` of the side (the FFHQ crop holds the whole head with margin; the outer band is mostly
/// background that inversion reconstructs least faithfully, so it fades to the original).
public struct FacePasteBack {
    public var inset = 0.03
    public var feather = 0.12

    public init() {}

    /// The mask at crop pixel-edge point (u, v) of a crop of side `side`, in [0, 1].
    public func mask(u: Double, v: Double, side: Int) -> Double {
        let s = Double(side)
        let edge = Swift.min(u, s - u, v, s - v) / s
        return Swift.min(Swift.max((edge - inset) / feather, 0), 1)
    }

    /// `crop` (any square size; it is sampled in the transform's crop coordinates scaled to its side) pasted into
    /// `photo`, which must be the transform's source size.
    public func paste(_ crop: RasterImage, into photo: RasterImage, transform: FaceTransform) throws -> RasterImage {
        guard photo.width == transform.sourceWidth, photo.height == transform.sourceHeight else {
            throw FaceLandmarkError("the photo is \(photo.width)x\(photo.height) but the face transform is for \(transform.sourceWidth)x\(transform.sourceHeight)")
        }
        guard crop.width == crop.height else { throw FaceLandmarkError("the face crop is \(crop.width)x\(crop.height), not square") }
        let face = try AlignedFace.rgb(crop)
        var out = photo
        let side = face.width
        let c = photo.channels
        // Only pixels inside the quad's bounding box can change.
        let corners = transform.corners.map { $0 + 0.5 }
        let x0 = Swift.max(Int(floor(corners.map(\.x).min()!)) - 1, 0), x1 = Swift.min(Int(ceil(corners.map(\.x).max()!)) + 1, photo.width)
        let y0 = Swift.max(Int(floor(corners.map(\.y).min()!)) - 1, 0), y1 = Swift.min(Int(ceil(corners.map(\.y).max()!)) + 1, photo.height)
        guard x0 < x1, y0 < y1 else { return out }
        out.withUnsafeMutableSamples { dst in
            for y in y0..<y1 {
                for x in x0..<x1 {
                    let p = transform.cropPoint(SIMD2(Double(x) + 0.5, Double(y) + 0.5), side: side)
                    let m = mask(u: p.x, v: p.y, side: side)
                    guard m > 0 else { continue }
                    let sample = FacePasteBack.bilinear(face, p.x - 0.5, p.y - 0.5)
                    let base = (y * photo.width + x) * c
                    // Gray photos take the mean of the crop's channels; an alpha channel is kept as it was.
                    let values = c == 1 ? [(sample[0] + sample[1] + sample[2]) / 3] : sample
                    for k in 0..<values.count {
                        let original = Double(dst[base + k])
                        let value = original + (values[k] - original) * m
                        dst[base + k] = UInt8(Swift.min(Swift.max(value.rounded(), 0), 255))
                    }
                }
            }
        }
        return out
    }

    /// RGB at pixel-centre coordinates (x, y), clamped at the edges.
    static func bilinear(_ image: RasterImage, _ x: Double, _ y: Double) -> [Double] {
        let xf = floor(x), yf = floor(y)
        let dx = x - xf, dy = y - yf
        let xa = Swift.min(Swift.max(Int(xf), 0), image.width - 1), xb = Swift.min(Swift.max(Int(xf) + 1, 0), image.width - 1)
        let ya = Swift.min(Swift.max(Int(yf), 0), image.height - 1), yb = Swift.min(Swift.max(Int(yf) + 1, 0), image.height - 1)
        return (0..<3).map { k in
            let top = Double(image[xa, ya, k]) * (1 - dx) + Double(image[xb, ya, k]) * dx
            let bottom = Double(image[xa, yb, k]) * (1 - dx) + Double(image[xb, yb, k]) * dx
            return top * (1 - dy) + bottom * dy
        }
    }
}
