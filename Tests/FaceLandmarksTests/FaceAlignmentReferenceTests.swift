@testable import FaceLandmarks
import Foundation
import ImageIO
import XCTest

/// Our FFHQ alignment against the public procedure run by Pillow/numpy/scipy themselves
/// (scripts/make_alignment_fixtures.py): the same photo and landmarks must give the same crop, through every
/// branch (shrink, crop, padding — also padding wider than the photo —, a tilted quad, with and without the final
/// Lanczos downsize).
final class FaceAlignmentReferenceTests: XCTestCase {
    struct Cases: Decodable {
        struct Case: Decodable {
            let landmarks: [[Double]]
            let output_size: Int
            let transform_size: Int
            let branches: [String]
        }
        let photo_checksum: UInt64
        let cases: [String: Case]
    }

    func load() throws -> (RasterImage, Cases) {
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: AlignmentFixtures.alignment.appendingPathComponent("cases.json")))
        let photo = try ImageFile.read(AlignmentFixtures.astronaut)
        // The same decoded pixels as Pillow's, or any difference below would be the decoder's.
        var checksum: UInt64 = 0
        for (i, v) in photo.pixels.enumerated() { checksum &+= UInt64(i % 65521 + 1) * UInt64(v) }
        XCTAssertEqual(checksum, cases.photo_checksum, "astronaut.jpg decodes differently from Pillow")
        return (photo, cases)
    }

    func testCropsMatchThePublicScriptExactly() throws {
        let (photo, fixture) = try load()
        XCTAssertEqual(Set(fixture.cases.values.flatMap(\.branches)),
                       ["shrink", "crop", "pad", "pad-wider-than-image", "downsize"], "the cases cover every branch")
        for (name, c) in fixture.cases.sorted(by: { $0.key < $1.key }) {
            let landmarks = c.landmarks.map { SIMD2($0[0], $0[1]) }
            let ours = try FaceAlignment(outputSize: c.output_size, transformSize: c.transform_size).align(photo, landmarks: landmarks)
            let reference = try ImageFile.read(AlignmentFixtures.alignment.appendingPathComponent(name + ".png"))
            let (psnr, maxError, differing) = AlignmentFixtures.compare(ours.image, reference)
            print("alignment \(name) (\(c.branches.joined(separator: ", "))): max |Δ| \(maxError), \(differing) samples differ, PSNR \(psnr) dB")
            // Measured: bit-identical in every case (Pillow's Lanczos and QUAD/bilinear arithmetic reproduced
            // exactly; scipy's blur in float64 then float32 as scipy stores it). A ±1 from float rounding of the
            // blurred padding would still be a match; anything more is a bug.
            XCTAssertLessThanOrEqual(maxError, 1, name)
            XCTAssertLessThanOrEqual(differing, reference.pixels.count / 1000, name)
        }
    }
}
