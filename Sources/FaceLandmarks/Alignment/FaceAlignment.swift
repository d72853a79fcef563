import Foundation
import ImageIO

/// FFHQ face alignment (NVlabs/ffhq-dataset `recreate_aligned_images`, copied as `align_face` into e4e, HFGI and
/// StyleRes), step for step and in the script's own arithmetic:
///
/// 1. Quad: from the 68 landmarks, the eye centres (means of 36–41, 42–47) and mouth corners (48, 54) give an
///    oriented square of half-side max(2·|eye-to-eye|, 1.8·|eye-to-mouth|) centred a tenth of the way from the eyes
///    to the mouth, rotated so the eyes are level.
/// 2. Shrink: when the square is at least 4× the output size, the photo is first reduced by an integer factor
///    (Lanczos).
/// 3. Crop to the square plus a border of 10% (at least 3 pixels), clipped to the photo.
/// 4. Pad: where the square (plus border) leaves the photo, reflection padding blended into a blur and the median
///    colour (`BlurredReflectionPadding`).
/// 5. Transform: Pillow's QUAD warp with bilinear sampling to `transformSize`², then Lanczos down to `outputSize`²
///    when smaller (`QuadWarp`, `LanczosResize`).
///
/// The FFHQ dataset used 1024 output from a 4096 transform (the default here: transform = 4 × output); e4e's
/// copy uses 256 from 256.
public struct FaceAlignment {
    public var outputSize: Int
    public var transformSize: Int
    public var enablePadding = true

    public init(outputSize: Int = 1024, transformSize: Int? = nil) {
        self.outputSize = outputSize
        self.transformSize = transformSize ?? 4 * outputSize
    }

    /// The oriented square of step 1, in the photo's pixel coordinates (pixel centres at integers, as landmarks
    /// are): corners NW, SW, SE, NE (upright face: top-left, bottom-left, bottom-right, top-right), and its side.
    public static func quad(landmarks lm: [SIMD2<Double>]) throws -> (corners: [SIMD2<Double>], size: Double) {
        guard lm.count == 68 else { throw FaceLandmarkError("face alignment needs 68 landmarks, got \(lm.count)") }
        guard lm.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { throw FaceLandmarkError("landmarks are not finite") }
        let eyeLeft = mean(lm[36..<42]), eyeRight = mean(lm[42..<48])
        let eyeAvg = (eyeLeft + eyeRight) * 0.5
        let eyeToEye = eyeRight - eyeLeft
        let mouthAvg = (lm[48] + lm[54]) * 0.5
        let eyeToMouth = mouthAvg - eyeAvg
        // x = eye_to_eye - flipud(eye_to_mouth) * [-1, 1]
        var x = SIMD2(eyeToEye.x + eyeToMouth.y, eyeToEye.y - eyeToMouth.x)
        x /= hypot(x.x, x.y)
        x *= Swift.max(hypot(eyeToEye.x, eyeToEye.y) * 2.0, hypot(eyeToMouth.x, eyeToMouth.y) * 1.8)
        let y = SIMD2(-x.y, x.x)
        let c = eyeAvg + eyeToMouth * 0.1
        let corners = [c - x - y, c - x + y, c + x + y, c + x - y]
        let qsize = hypot(x.x, x.y) * 2
        guard qsize.isFinite, qsize >= 8 else {
            throw FaceLandmarkError("the face is too small to align (a \(String(format: "%.1f", qsize))-pixel square)")
        }
        return (corners, qsize)
    }

    /// numpy's mean over landmark rows (pairwise summation is exact enough for 6 points; numpy adds in order).
    static func mean(_ points: ArraySlice<SIMD2<Double>>) -> SIMD2<Double> {
        var s = SIMD2<Double>(0, 0)
        for p in points { s += p }
        return s / Double(points.count)
    }

    /// Aligns the face with these landmarks in `photo` (converted to RGB).
    public func align(_ photo: RasterImage, landmarks: [SIMD2<Double>]) throws -> AlignedFace {
        guard outputSize >= 1, transformSize >= 1, outputSize <= 8192, transformSize <= 16384 else {
            throw FaceLandmarkError("alignment sizes must be 1...8192 (output) and 1...16384 (transform), got \(outputSize) and \(transformSize)")
        }
        let (corners, size) = try FaceAlignment.quad(landmarks: landmarks)
        var quad = corners
        var qsize = size
        var img = try AlignedFace.rgb(photo)

        // Shrink.
        let shrink = Int(floor(qsize / Double(outputSize) * 0.5))
        if shrink > 1 {
            let w = Int((Double(img.width) / Double(shrink)).rounded(.toNearestOrEven))
            let h = Int((Double(img.height) / Double(shrink)).rounded(.toNearestOrEven))
            img = LanczosResize.resize(img, width: Swift.max(w, 1), height: Swift.max(h, 1))
            quad = quad.map { $0 / Double(shrink) }
            qsize /= Double(shrink)
        }

        // Crop.
        let border = Swift.max(Int((qsize * 0.1).rounded(.toNearestOrEven)), 3)
        let bounds = FaceAlignment.bounds(quad)
        let crop = (Swift.max(bounds.0 - border, 0), Swift.max(bounds.1 - border, 0),
                    Swift.min(bounds.2 + border, img.width), Swift.min(bounds.3 + border, img.height))
        if crop.2 - crop.0 < img.width || crop.3 - crop.1 < img.height {
            guard crop.2 > crop.0, crop.3 > crop.1 else {
                throw FaceLandmarkError("the face square lies outside the image")
            }
            img = FaceAlignment.crop(img, x: crop.0, y: crop.1, width: crop.2 - crop.0, height: crop.3 - crop.1)
            quad = quad.map { $0 - SIMD2(Double(crop.0), Double(crop.1)) }
        }

        // Pad.
        let b = FaceAlignment.bounds(quad)
        var pad = (Swift.max(-b.0 + border, 0), Swift.max(-b.1 + border, 0),
                   Swift.max(b.2 - img.width + border, 0), Swift.max(b.3 - img.height + border, 0))
        if enablePadding && Swift.max(pad.0, pad.1, pad.2, pad.3) > border - 4 {
            let least = Int((qsize * 0.3).rounded(.toNearestOrEven))
            pad = (Swift.max(pad.0, least), Swift.max(pad.1, least), Swift.max(pad.2, least), Swift.max(pad.3, least))
            let padded = Double(img.width + pad.0 + pad.2) * Double(img.height + pad.1 + pad.3)
            guard padded <= 256 * 1024 * 1024 else { throw FaceLandmarkError("the padded face region is too large (\(Int(padded)) pixels)") }
            img = BlurredReflectionPadding.pad(img, left: pad.0, top: pad.1, right: pad.2, bottom: pad.3, qsize: qsize)
            quad = quad.map { $0 + SIMD2(Double(pad.0), Double(pad.1)) }
        }

        // Transform.
        var out = QuadWarp.warp(img, corners: quad.map { $0 + 0.5 }, width: transformSize, height: transformSize)
        if outputSize < transformSize {
            out = LanczosResize.resize(out, width: outputSize, height: outputSize)
        }
        let transform = FaceTransform(quad: corners, outputSize: outputSize, transformSize: transformSize,
                                      sourceWidth: photo.width, sourceHeight: photo.height)
        return AlignedFace(image: out, transform: transform)
    }

    /// (floor(min x), floor(min y), ceil(max x), ceil(max y)) of the quad.
    static func bounds(_ quad: [SIMD2<Double>]) -> (Int, Int, Int, Int) {
        (Int(floor(quad.map(\.x).min()!)), Int(floor(quad.map(\.y).min()!)),
         Int(ceil(quad.map(\.x).max()!)), Int(ceil(quad.map(\.y).max()!)))
    }

    static func crop(_ image: RasterImage, x: Int, y: Int, width: Int, height: Int) -> RasterImage {
        let c = image.channels
        var out = [UInt8](repeating: 0, count: width * height * c)
        for row in 0..<height {
            let src = ((y + row) * image.width + x) * c
            out.replaceSubrange(row * width * c..<(row + 1) * width * c, with: image.pixels[src..<src + width * c])
        }
        return try! RasterImage(width: width, height: height, channels: c, pixels: out)
    }
}
