import Foundation
import ImageIO

/// Resizing with Pillow's LANCZOS (a.k.a. ANTIALIAS) filter, reproduced to the bit for 8-bit images: the FFHQ
/// alignment script shrinks large photos and its 4× transform with it, and matching its crops means matching its
/// arithmetic (Pillow's libImaging/Resample.c):
/// - separable, horizontal pass first, the intermediate rounded to 8 bits;
/// - for output sample i the window is centred at (i + 0.5)·scale with support 3·max(scale, 1), bounds rounded
///   by `(int)(c ± support + 0.5)` and clipped to the image, taps `lanczos3((j - c + 0.5) / max(scale, 1))`
///   normalised to sum 1;
/// - taps in 22-bit fixed point (rounded away from zero), sums started at half a unit, shifted and clamped.
enum LanczosResize {
    static let precisionBits = 32 - 8 - 2

    /// `image` (any channel count) resized to `width`×`height`.
    static func resize(_ image: RasterImage, width: Int, height: Int) -> RasterImage {
        if width == image.width && height == image.height { return image }
        var current = image
        if width != image.width {
            current = horizontal(current, to: width)
        }
        if height != image.height {
            current = vertical(current, to: height)
        }
        return current
    }

    /// Per output sample: the first input index, the tap count, and the fixed-point taps.
    struct Taps {
        var start: [Int]
        var count: [Int]
        var weights: [[Int32]]
    }

    static func lanczos(_ x: Double) -> Double {
        guard x >= -3 && x < 3 else { return 0 }
        return sinc(x) * sinc(x / 3)
    }

    static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let px = x * Double.pi
        return sin(px) / px
    }

    static func taps(inSize: Int, outSize: Int) -> Taps {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = Swift.max(scale, 1)
        let support = 3.0 * filterScale
        var taps = Taps(start: [], count: [], weights: [])
        for i in 0..<outSize {
            let center = (Double(i) + 0.5) * scale
            let lo = Swift.max(Int(center - support + 0.5), 0)
            let hi = Swift.min(Int(center + support + 0.5), inSize)
            var k = (lo..<Swift.max(hi, lo)).map { lanczos((Double($0) - center + 0.5) / filterScale) }
            let total = k.reduce(0, +)
            if total != 0 { k = k.map { $0 / total } }
            let unit = Double(1 << precisionBits)
            taps.start.append(lo)
            taps.count.append(k.count)
            taps.weights.append(k.map { $0 < 0 ? Int32(-0.5 + $0 * unit) : Int32(0.5 + $0 * unit) })
        }
        return taps
    }

    static func clip8(_ sum: Int) -> UInt8 {
        let v = sum >> precisionBits
        return UInt8(clamping: v)
    }

    static func horizontal(_ image: RasterImage, to outWidth: Int) -> RasterImage {
        let t = taps(inSize: image.width, outSize: outWidth)
        let c = image.channels, h = image.height, w = image.width
        var out = [UInt8](repeating: 0, count: outWidth * h * c)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let row = y * w * c
                    for x in 0..<outWidth {
                        let start = t.start[x], weights = t.weights[x]
                        for ch in 0..<c {
                            var sum = 1 << (precisionBits - 1)
                            for j in 0..<weights.count {
                                sum += Int(src[row + (start + j) * c + ch]) * Int(weights[j])
                            }
                            dst[(y * outWidth + x) * c + ch] = clip8(sum)
                        }
                    }
                }
            }
        }
        return try! RasterImage(width: outWidth, height: h, channels: c, pixels: out)
    }

    static func vertical(_ image: RasterImage, to outHeight: Int) -> RasterImage {
        let t = taps(inSize: image.height, outSize: outHeight)
        let c = image.channels, stride = image.width * image.channels
        var out = [UInt8](repeating: 0, count: outHeight * stride)
        var sums = [Int](repeating: 0, count: stride)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    for i in 0..<stride { sums[i] = 1 << (precisionBits - 1) }
                    let start = t.start[y]
                    for (j, weight) in t.weights[y].enumerated() {
                        let row = (start + j) * stride, k = Int(weight)
                        for i in 0..<stride { sums[i] += Int(src[row + i]) * k }
                    }
                    for i in 0..<stride { dst[y * stride + i] = clip8(sums[i]) }
                }
            }
        }
        return try! RasterImage(width: image.width, height: outHeight, channels: c, pixels: out)
    }
}
