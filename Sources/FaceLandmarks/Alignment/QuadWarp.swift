import Foundation
import ImageIO

/// Pillow's `Image.transform(size, QUAD, data, BILINEAR)` for 8-bit RGB, reproduced to the bit (libImaging/
/// Geometry.c and Image.py's `__transformer`): output pixel (x, y) samples the source at the bilinear map of the
/// quad corners (NW, SW, SE, NE, in pixel-edge coordinates) evaluated at (x + 0.5, y + 0.5); the sample is
/// bilinear between pixel centres with edge clamping, truncated (not rounded) to 8 bits; points outside the
/// source are black.
enum QuadWarp {
    /// `corners` = NW, SW, SE, NE in source pixel-edge coordinates.
    static func warp(_ image: RasterImage, corners: [SIMD2<Double>], width: Int, height: Int) -> RasterImage {
        precondition(corners.count == 4 && image.channels == 3)
        let (nw, sw, se, ne) = (corners[0], corners[1], corners[2], corners[3])
        let ax = 1.0 / Double(width), at = 1.0 / Double(height)
        let a0 = nw.x, a1 = (ne.x - nw.x) * ax, a2 = (sw.x - nw.x) * at, a3 = (se.x - sw.x - ne.x + nw.x) * ax * at
        let a4 = nw.y, a5 = (ne.y - nw.y) * ax, a6 = (sw.y - nw.y) * at, a7 = (se.y - sw.y - ne.y + nw.y) * ax * at
        let iw = image.width, ih = image.height
        var out = [UInt8](repeating: 0, count: width * height * 3)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let v = Double(y) + 0.5
                    for x in 0..<width {
                        let u = Double(x) + 0.5
                        var xin = a0 + a1 * u + a2 * v + a3 * u * v
                        var yin = a4 + a5 * u + a6 * v + a7 * u * v
                        guard xin >= 0, xin < Double(iw), yin >= 0, yin < Double(ih) else { continue }
                        xin -= 0.5
                        yin -= 0.5
                        let xi = Int(floor(xin)), yi = Int(floor(yin))
                        let dx = xin - Double(xi), dy = yin - Double(yi)
                        let x0 = Swift.min(Swift.max(xi, 0), iw - 1) * 3
                        let x1 = Swift.min(Swift.max(xi + 1, 0), iw - 1) * 3
                        let row0 = Swift.min(Swift.max(yi, 0), ih - 1) * iw * 3
                        let hasRow1 = yi + 1 >= 0 && yi + 1 < ih
                        let row1 = hasRow1 ? (yi + 1) * iw * 3 : row0
                        for c in 0..<3 {
                            let p0 = Double(src[row0 + x0 + c]), p1 = Double(src[row0 + x1 + c])
                            let top = p0 + (p1 - p0) * dx
                            var bottom = top
                            if hasRow1 {
                                let q0 = Double(src[row1 + x0 + c]), q1 = Double(src[row1 + x1 + c])
                                bottom = q0 + (q1 - q0) * dx
                            }
                            let value = top + (bottom - top) * dy
                            dst[(y * width + x) * 3 + c] = UInt8(truncatingIfNeeded: Int(value))
                        }
                    }
                }
            }
        }
        return try! RasterImage(width: width, height: height, channels: 3, pixels: out)
    }
}
