import Foundation
import ImageIO

/// The FFHQ alignment's padding step, reproduced in its own precision (float32 images, float64 blur taps): the
/// image is padded by reflection (numpy's 'reflect', the edge pixel not repeated), then towards the new borders
/// it is blended into a Gaussian-blurred copy (scipy.ndimage.gaussian_filter, sigma = 0.02·qsize, radius
/// int(4σ + 0.5), 'reflect' = half-sample symmetric boundaries, rows then columns, each pass stored as float32)
/// and, nearer still, into the per-channel median colour; the result is rounded half-to-even to 8 bits.
enum BlurredReflectionPadding {
    /// Pads `image` (RGB) by (left, top, right, bottom) pixels; `qsize` sets the blur.
    static func pad(_ image: RasterImage, left: Int, top: Int, right: Int, bottom: Int, qsize: Double) -> RasterImage {
        precondition(image.channels == 3 && left > 0 && top > 0 && right > 0 && bottom > 0)
        let w = image.width + left + right, h = image.height + top + bottom
        var img = [Float](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            let sy = reflect(y - top, image.height)
            for x in 0..<w {
                let sx = reflect(x - left, image.width)
                for c in 0..<3 { img[(y * w + x) * 3 + c] = Float(image[sx, sy, c]) }
            }
        }
        // mask = max(1 - min(x / left, (w-1-x) / right), 1 - min(y / top, (h-1-y) / bottom)), in float32.
        let maskX = (0..<w).map { x in Float(1.0) - Swift.min(Float(x) / Float(left), Float(w - 1 - x) / Float(right)) }
        let maskY = (0..<h).map { y in Float(1.0) - Swift.min(Float(y) / Float(top), Float(h - 1 - y) / Float(bottom)) }
        let sigma = qsize * 0.02
        let blurred = gaussianBlur(img, width: w, height: h, sigma: sigma)
        for y in 0..<h {
            for x in 0..<w {
                let m = Swift.max(maskX[x], maskY[y])
                let weight = Swift.min(Swift.max(m * Float(3.0) + Float(1.0), 0), 1)
                for c in 0..<3 {
                    let i = (y * w + x) * 3 + c
                    img[i] = img[i] + (blurred[i] - img[i]) * weight
                }
            }
        }
        let median = (0..<3).map { c in medianOf(stride(from: c, to: img.count, by: 3).map { img[$0] }) }
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let weight = Swift.min(Swift.max(Swift.max(maskX[x], maskY[y]), 0), 1)
                for c in 0..<3 {
                    let i = (y * w + x) * 3 + c
                    let v = img[i] + (median[c] - img[i]) * weight
                    out[i] = UInt8(Swift.min(Swift.max(v.rounded(.toNearestOrEven), 0), 255))
                }
            }
        }
        return try! RasterImage(width: w, height: h, channels: 3, pixels: out)
    }

    /// numpy 'reflect' for index `i` of a length-`n` axis: mirror about the end samples (period 2(n-1)).
    static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        let period = 2 * (n - 1)
        var k = i % period
        if k < 0 { k += period }
        return k < n ? k : period - k
    }

    /// scipy.ndimage 'reflect' (half-sample symmetric: d c b a | a b c d | d c b a), period 2n.
    static func symmetric(_ i: Int, _ n: Int) -> Int {
        let period = 2 * n
        var k = i % period
        if k < 0 { k += period }
        return k < n ? k : period - 1 - k
    }

    /// scipy's `_gaussian_kernel1d(sigma, 0, radius)`.
    static func gaussianTaps(sigma: Double) -> [Double] {
        let radius = Int(4.0 * sigma + 0.5)
        let s2 = sigma * sigma
        let phi = (-radius...radius).map { exp(-0.5 / s2 * Double($0 * $0)) }
        let total = phi.reduce(0, +)
        return phi.map { $0 / total }
    }

    /// gaussian_filter(img, [sigma, sigma, 0]) on an HWC float32 image: axis 0 (rows) first, then axis 1.
    static func gaussianBlur(_ img: [Float], width w: Int, height h: Int, sigma: Double) -> [Float] {
        guard sigma > 1e-15 else { return img }
        let taps = gaussianTaps(sigma: sigma)
        let radius = taps.count / 2
        let stride = w * 3
        // Along y: each output row is a weighted sum of whole input rows (contiguous, vectorisable).
        var pass1 = [Float](repeating: 0, count: img.count)
        var acc = [Double](repeating: 0, count: stride)
        img.withUnsafeBufferPointer { src in
            for y in 0..<h {
                for i in 0..<stride { acc[i] = 0 }
                for (j, t) in taps.enumerated() {
                    let row = symmetric(y + j - radius, h) * stride
                    for i in 0..<stride { acc[i] += Double(src[row + i]) * t }
                }
                for i in 0..<stride { pass1[y * stride + i] = Float(acc[i]) }
            }
        }
        // Along x, per row: gather the padded row once, then the same weighted sums.
        var pass2 = [Float](repeating: 0, count: img.count)
        var line = [Double](repeating: 0, count: (w + 2 * radius) * 3)
        for y in 0..<h {
            for x in 0..<(w + 2 * radius) {
                let sx = symmetric(x - radius, w)
                for c in 0..<3 { line[x * 3 + c] = Double(pass1[y * stride + sx * 3 + c]) }
            }
            for i in 0..<stride { acc[i] = 0 }
            for (j, t) in taps.enumerated() {
                let offset = j * 3
                for i in 0..<stride { acc[i] += line[offset + i] * t }
            }
            for i in 0..<stride { pass2[y * stride + i] = Float(acc[i]) }
        }
        return pass2
    }

    /// numpy's median of float32 values: the middle one, or the float32 mean of the two middle ones.
    static func medianOf(_ values: [Float]) -> Float {
        let sorted = values.sorted()
        let n = sorted.count
        if n % 2 == 1 { return sorted[n / 2] }
        return (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}
