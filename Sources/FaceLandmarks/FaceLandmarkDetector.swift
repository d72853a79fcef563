import CFaceLandmarks
import Foundation
import ImageIO

/// One detected face: dlib's box (inclusive pixel bounds, in the image's coordinates) and its 68 landmarks
/// (iBUG 300-W order: jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67), as pixel positions.
public struct DetectedFace: Equatable, Sendable {
    public var left: Int, top: Int, right: Int, bottom: Int
    /// The detector's SVM score (higher is more confident).
    public var score: Double
    public var landmarks: [SIMD2<Double>]

    public var area: Int { (right - left + 1) * (bottom - top + 1) }
}

/// dlib's HOG frontal face detector plus a shape predictor (by default Debian's
/// /usr/share/dlib/shape_predictor_68_face_landmarks.dat, from the libdlib-data package).
///
/// Detection runs as dlib's Python `detector(img, 1)` does (one 2× up-sampling). Images too large for that are
/// detected on a copy downscaled by an integer factor (block averaging) and the boxes mapped back; landmarks always
/// come from the full-resolution image. Not safe to share across threads.
public final class FaceLandmarkDetector {
    public static let defaultPredictorPath = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"
    /// Pixels the detector scans at most (after up-sampling); larger images are downscaled for detection.
    public static let detectionBudget = 16 * 1024 * 1024
    /// Images above this are refused (dlib copies the image into its own buffer).
    public static let maxImagePixels = Int(FL_MAX_IMAGE_PIXELS)

    private let detector: fl_detector
    private let predictor: fl_predictor
    public let landmarkCount: Int
    public let upsample: Int

    public init(predictorPath: String = FaceLandmarkDetector.defaultPredictorPath, upsample: Int = 1) throws {
        guard (0...4).contains(upsample) else { throw FaceLandmarkError("face detector up-sampling must be 0...4, not \(upsample)") }
        guard FileManager.default.fileExists(atPath: predictorPath) else {
            throw FaceLandmarkError("\(predictorPath): no such file (the landmark model comes with Debian's libdlib-data package; run scripts/setup)")
        }
        guard let d = fl_detector_new() else { throw FaceLandmarkError("cannot create dlib's face detector: \(FaceLandmarkDetector.lastError())") }
        guard let p = fl_predictor_load(predictorPath) else {
            fl_detector_free(d)
            throw FaceLandmarkError("\((predictorPath as NSString).lastPathComponent): not a dlib shape predictor (\(FaceLandmarkDetector.lastError()))")
        }
        let parts = fl_predictor_parts(p)
        guard parts == 68 else {
            fl_detector_free(d)
            fl_predictor_free(p)
            throw FaceLandmarkError("\((predictorPath as NSString).lastPathComponent): a \(parts)-point predictor; face alignment needs the 68-point iBUG model")
        }
        detector = d
        predictor = p
        landmarkCount = Int(parts)
        self.upsample = upsample
    }

    deinit {
        fl_detector_free(detector)
        fl_predictor_free(predictor)
    }

    /// The shim's message on one line (dlib's own messages span several).
    static func lastError() -> String {
        let message = fl_last_error().map { String(cString: $0) } ?? "unknown error"
        return message.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Every face in `image` (gray and RGBA are converted to RGB), most confident first.
    public func detect(in image: RasterImage) throws -> [DetectedFace] {
        guard image.width * image.height <= FaceLandmarkDetector.maxImagePixels else {
            throw FaceLandmarkError("a \(image.width)x\(image.height) image is too large for face detection (at most \(FaceLandmarkDetector.maxImagePixels) pixels)")
        }
        let rgb = try FaceLandmarkDetector.rgb(image)
        // Detection on a copy small enough for the scan budget; boxes scaled back.
        let scanned = rgb.width * rgb.height << (2 * upsample)
        var factor = 1
        while scanned / (factor * factor) > FaceLandmarkDetector.detectionBudget { factor += 1 }
        let small = factor == 1 ? rgb : FaceLandmarkDetector.boxDownscale(rgb, by: factor)
        let boxes = try rawDetect(small)
        return try boxes.map { box in
            let full = [box.0 * Int32(factor), box.1 * Int32(factor), (box.2 + 1) * Int32(factor) - 1, (box.3 + 1) * Int32(factor) - 1]
            let points = try landmarks(rgb, box: full)
            return DetectedFace(left: Int(full[0]), top: Int(full[1]), right: Int(full[2]), bottom: Int(full[3]),
                                score: box.4, landmarks: points)
        }
    }

    private func rawDetect(_ rgb: RasterImage) throws -> [(Int32, Int32, Int32, Int32, Double)] {
        var capacity = 64
        while true {
            var boxes = [Int32](repeating: 0, count: 4 * capacity)
            var scores = [Double](repeating: 0, count: capacity)
            let n = rgb.pixels.withUnsafeBufferPointer { px in
                fl_detect(detector, px.baseAddress, Int32(rgb.width), Int32(rgb.height), Int32(upsample), &boxes, &scores, Int32(capacity))
            }
            guard n >= 0 else { throw FaceLandmarkError("face detection failed: \(FaceLandmarkDetector.lastError())") }
            if Int(n) > capacity { capacity = Int(n); continue }
            return (0..<Int(n)).map { (boxes[4 * $0], boxes[4 * $0 + 1], boxes[4 * $0 + 2], boxes[4 * $0 + 3], scores[$0]) }
        }
    }

    private func landmarks(_ rgb: RasterImage, box: [Int32]) throws -> [SIMD2<Double>] {
        var points = [Double](repeating: 0, count: 2 * landmarkCount)
        let n = rgb.pixels.withUnsafeBufferPointer { px in
            box.withUnsafeBufferPointer { b in
                fl_landmarks(predictor, px.baseAddress, Int32(rgb.width), Int32(rgb.height), b.baseAddress, &points, Int32(landmarkCount))
            }
        }
        guard n == landmarkCount else {
            throw FaceLandmarkError("landmark prediction failed: \(n < 0 ? FaceLandmarkDetector.lastError() : "\(n) points, expected \(landmarkCount)")")
        }
        return (0..<landmarkCount).map { SIMD2(points[2 * $0], points[2 * $0 + 1]) }
    }

    /// The image as packed RGB.
    static func rgb(_ image: RasterImage) throws -> RasterImage {
        if image.channels == 3 { return image }
        var out = [UInt8](repeating: 0, count: image.width * image.height * 3)
        let c = image.channels
        for i in 0..<(image.width * image.height) {
            for k in 0..<3 { out[3 * i + k] = image.pixels[c * i + (c == 1 ? 0 : k)] }
        }
        return try RasterImage(width: image.width, height: image.height, channels: 3, pixels: out)
    }

    /// Averages `factor`×`factor` blocks (the last partial row/column of blocks is dropped).
    static func boxDownscale(_ image: RasterImage, by factor: Int) -> RasterImage {
        let w = Swift.max(1, image.width / factor), h = Swift.max(1, image.height / factor)
        var out = [UInt8](repeating: 0, count: w * h * 3)
        let n = factor * factor
        for y in 0..<h {
            for x in 0..<w {
                for k in 0..<3 {
                    var sum = 0
                    for dy in 0..<factor {
                        let row = (Swift.min(y * factor + dy, image.height - 1) * image.width) * 3
                        for dx in 0..<factor { sum += Int(image.pixels[row + Swift.min(x * factor + dx, image.width - 1) * 3 + k]) }
                    }
                    out[(y * w + x) * 3 + k] = UInt8((sum + n / 2) / n)
                }
            }
        }
        return try! RasterImage(width: w, height: h, channels: 3, pixels: out)
    }
}
