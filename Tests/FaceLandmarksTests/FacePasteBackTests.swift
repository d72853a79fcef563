@testable import FaceLandmarks
import Foundation
import ImageIO
import XCTest

/// Pasting an edited crop back: pixels outside the face mask are the photo's, bit for bit; inside, the crop lands
/// where it came from.
final class FacePasteBackTests: XCTestCase {
    func testOnlyPixelsInsideTheMaskChangeAndTheCropLandsInPlace() throws {
        let detector = try FaceLandmarkDetector()
        let photo = try ImageFile.read(AlignmentFixtures.astronaut)
        let face = try XCTUnwrap(try detector.detect(in: photo).first)
        let aligned = try FaceAlignment(outputSize: 128).align(photo, landmarks: face.landmarks)
        let paste = FacePasteBack()

        // A crop that differs everywhere (inverted colours): every pixel the mask touches must change.
        var edited = aligned.image
        edited.withUnsafeMutableSamples { s in for i in s.indices { s[i] = 255 - s[i] } }
        let out = try paste.paste(edited, into: photo, transform: aligned.transform)
        XCTAssertEqual(out.width, photo.width)
        XCTAssertEqual(out.height, photo.height)
        // Independent of the mask function: a pixel centre outside the quad polygon must be untouched.
        let q = aligned.transform.quad.map { SIMD2($0.x + 0.5, $0.y + 0.5) }
        func insideQuad(_ p: SIMD2<Double>) -> Bool {
            (0..<4).allSatisfy { i in
                let a = q[i], b = q[(i + 1) % 4]
                return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) <= 0
            }
        }
        var unchangedOutside = 0, changed = 0, maskZero = 0
        for y in 0..<photo.height {
            for x in 0..<photo.width {
                let p = SIMD2(Double(x) + 0.5, Double(y) + 0.5)
                let c = aligned.transform.cropPoint(p, side: 128)
                let m = paste.mask(u: c.x, v: c.y, side: 128)
                let same = out.pixel(x: x, y: y) == photo.pixel(x: x, y: y)
                if m == 0 {
                    maskZero += 1
                    XCTAssert(same, "pixel (\(x), \(y)) outside the mask changed")
                } else if !same {
                    changed += 1
                }
                if !insideQuad(p) {
                    XCTAssert(same, "pixel (\(x), \(y)) outside the quad changed")
                    unchangedOutside += 1
                }
            }
        }
        XCTAssertGreaterThan(unchangedOutside, photo.width * photo.height / 4)
        XCTAssertGreaterThan(maskZero, photo.width * photo.height / 4)
        XCTAssertGreaterThan(changed, 5000, "the pasted face must change the photo")

        // Pasting the unedited crop puts the same face back: inside the fully opaque part of the mask the result
        // is the photo resampled twice (measured 33.9 dB), so a wrong inverse transform (shifted, flipped,
        // mis-scaled) would fail.
        let same = try paste.paste(aligned.image, into: photo, transform: aligned.transform)
        let core = AlignmentFixtures.compare(same, photo) { x, y in
            let c = aligned.transform.cropPoint(SIMD2(Double(x) + 0.5, Double(y) + 0.5), side: 128)
            return paste.mask(u: c.x, v: c.y, side: 128) == 1
        }
        print("paste-back of the unedited crop: \(core.psnr) dB inside the mask")
        XCTAssertGreaterThan(core.psnr, 27)
    }

    func testMismatchedPhotoIsAnError() throws {
        let t = FaceTransform(quad: [SIMD2(0, 0), SIMD2(0, 9), SIMD2(9, 9), SIMD2(9, 0)], outputSize: 8, transformSize: 8,
                              sourceWidth: 10, sourceHeight: 10)
        let crop = try RasterImage(width: 8, height: 8, channels: 3)
        XCTAssertThrowsError(try FacePasteBack().paste(crop, into: try RasterImage(width: 11, height: 10, channels: 3), transform: t)) {
            XCTAssert("\($0)".contains("11x10"), "\($0)")
        }
    }
}
