import CFaceLandmarks
import FaceLandmarks
import Foundation
import ImageIO
import XCTest

/// dlib through the CFaceLandmarks shim: detection and landmarks on a real photo, and clean errors on the inputs
/// that break naive callers (no face, a 1×1 image, an image too large to scan).
final class FaceLandmarkDetectorTests: XCTestCase {
    static let astronaut = AlignmentFixtures.astronaut

    func testFindsTheAstronautsFaceWithPlausibleLandmarks() throws {
        let detector = try FaceLandmarkDetector()
        let image = try ImageFile.read(Self.astronaut)
        let faces = try detector.detect(in: image)
        XCTAssertEqual(faces.count, 1)
        let face = try XCTUnwrap(faces.first)
        XCTAssertEqual(face.landmarks.count, 68)
        // The face of the 320² fixture lies around x 100–200, y 40–150 (by eye); every landmark near the box.
        XCTAssertGreaterThan(face.left, 80); XCTAssertLessThan(face.right, 230)
        XCTAssertGreaterThan(face.top, 20); XCTAssertLessThan(face.bottom, 170)
        for p in face.landmarks {
            XCTAssert(p.x > Double(face.left) - 20 && p.x < Double(face.right) + 20 && p.y > Double(face.top) - 30 && p.y < Double(face.bottom) + 20, "\(p)")
        }
        // Anatomy of the iBUG layout: the subject's right eye (36–41) is left of her left eye (42–47) in the image,
        // both eyes above the nose tip (30), the nose tip above the mouth (48–59).
        let mean = { (r: Range<Int>) in r.map { face.landmarks[$0] }.reduce(SIMD2<Double>(0, 0), +) / Double(r.count) }
        let eyeR = mean(36..<42), eyeL = mean(42..<48), mouth = mean(48..<60), nose = face.landmarks[30]
        XCTAssertLessThan(eyeR.x, eyeL.x)
        XCTAssertLessThan(Swift.max(eyeR.y, eyeL.y), nose.y)
        XCTAssertLessThan(nose.y, mouth.y)
        let eyeDistance = ((eyeL - eyeR) * (eyeL - eyeR)).sum().squareRoot()
        XCTAssert((20...80).contains(eyeDistance), "inter-ocular distance \(eyeDistance)")
    }

    func testNoFaceIsAnEmptyList() throws {
        let detector = try FaceLandmarkDetector()
        let flat = try RasterImage(width: 200, height: 150, channels: 3, fill: 128)
        XCTAssertEqual(try detector.detect(in: flat), [])
    }

    func testOnePixelImageIsAnEmptyList() throws {
        let detector = try FaceLandmarkDetector()
        XCTAssertEqual(try detector.detect(in: try RasterImage(width: 1, height: 1, channels: 3, fill: 7)), [])
        XCTAssertEqual(try detector.detect(in: try RasterImage(width: 1, height: 1, channels: 1, fill: 7)), [])
    }

    func testLargeImageIsDetectedOnADownscaledCopy() throws {
        // 4800×3600 up-sampled once is 69 M pixels, over the scan budget: the face must still be found, at the
        // right place, by detecting on a downscaled copy. The astronaut is pasted at 3× into a gray canvas.
        let detector = try FaceLandmarkDetector()
        let small = try ImageFile.read(Self.astronaut)
        let reference = try XCTUnwrap(try detector.detect(in: small).first)
        var big = try RasterImage(width: 4800, height: 3600, channels: 3, fill: 90)
        let (ox, oy, k) = (2000, 1000, 3)
        big.withUnsafeMutableSamples { out in
            for y in 0..<(small.height * k) {
                for x in 0..<(small.width * k) {
                    for c in 0..<3 { out[((oy + y) * 4800 + ox + x) * 3 + c] = small[x / k, y / k, c] }
                }
            }
        }
        let faces = try detector.detect(in: big)
        XCTAssertEqual(faces.count, 1)
        let face = try XCTUnwrap(faces.first)
        let expected = SIMD2<Double>(Double(ox), Double(oy)) + reference.landmarks[30] * Double(k)
        let error = ((face.landmarks[30] - expected) * (face.landmarks[30] - expected)).sum().squareRoot()
        XCTAssertLessThan(error, 15, "nose tip at \(face.landmarks[30]), expected about \(expected)")
    }

    func testImagesBeyondTheLimitAreRefusedWithOneLine() throws {
        let detector = try FaceLandmarkDetector()
        // 16385×16385 > 256 M pixels; only one row is filled with memory — RasterImage allocates it all, so use
        // a gray image (1 byte per pixel) to keep the test within a few hundred MB.
        let side = 16_400
        let huge = try RasterImage(width: side, height: side, channels: 1, fill: 0)
        XCTAssertThrowsError(try detector.detect(in: huge)) { error in
            let line = "\(error)"
            XCTAssert(line.contains("too large"), line)
            XCTAssertFalse(line.contains("\n"))
        }
    }

    func testMissingOrBadPredictorFileIsOneLine() throws {
        XCTAssertThrowsError(try FaceLandmarkDetector(predictorPath: "/nonexistent/sp.dat")) { error in
            XCTAssert("\(error)".contains("/nonexistent/sp.dat: no such file"), "\(error)")
        }
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-predictor-\(UUID()).dat")
        try Data("hello".utf8).write(to: bad)
        defer { try? FileManager.default.removeItem(at: bad) }
        XCTAssertThrowsError(try FaceLandmarkDetector(predictorPath: bad.path)) { error in
            XCTAssert("\(error)".contains("not a dlib shape predictor"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }
}

/// The C shim itself, without the Swift wrapper's guards: bad arguments and oversized scans are errors with a
/// message, never a crash.
final class FaceLandmarkShimTests: XCTestCase {
    func message() -> String { fl_last_error().map { String(cString: $0) } ?? "" }

    func testBadArgumentsAreErrors() throws {
        let detector = try XCTUnwrap(fl_detector_new())
        defer { fl_detector_free(detector) }
        var boxes = [Int32](repeating: 0, count: 4)
        XCTAssertEqual(fl_detect(detector, nil, 10, 10, 1, &boxes, nil, 1), -1)
        XCTAssert(message().contains("null image buffer"), message())
        let pixel: [UInt8] = [1, 2, 3]
        XCTAssertEqual(fl_detect(detector, pixel, 0, 1, 0, &boxes, nil, 1), -1)
        XCTAssert(message().contains("must be positive"), message())
        XCTAssertEqual(fl_detect(detector, pixel, 1, 1, 9, &boxes, nil, 1), -1)
        XCTAssert(message().contains("up-sampling"), message())
        XCTAssertEqual(fl_detect(detector, pixel, 1, 1, 1, &boxes, nil, 1), 0)
        XCTAssertNil(fl_last_error())
        XCTAssertNil(fl_predictor_load("/nonexistent/sp.dat"))
        XCTAssertFalse(message().isEmpty)
    }

    func testScansBeyondTheBoundAreRefused() throws {
        let detector = try XCTUnwrap(fl_detector_new())
        defer { fl_detector_free(detector) }
        // 4100² up-sampled once is 67.2 M pixels > FL_MAX_DETECT_PIXELS (64 Mi): refused before any allocation.
        let side = 4100
        let rgb = [UInt8](repeating: 0, count: side * side * 3)
        var boxes = [Int32](repeating: 0, count: 4)
        XCTAssertEqual(fl_detect(detector, rgb, Int32(side), Int32(side), 1, &boxes, nil, 1), -1)
        XCTAssert(message().contains("larger than the detector accepts"), message())
    }
}
