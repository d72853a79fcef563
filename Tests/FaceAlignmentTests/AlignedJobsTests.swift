import FaceLandmarks
import Foundation
import ImageIO
import Models
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// `align`, `invert --align` and `edit --align` end to end through their library functions, on the astronaut
/// photo and tiny random models: outputs at the photo's size, untouched outside the face mask, and a photo with
/// no face reported on one line while the others go on.
final class AlignedJobsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("aligned-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("photos"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: AlignmentFixtures.astronaut, to: dir.appendingPathComponent("photos/astronaut.jpg"))
        // A photo without a face.
        try ImageFile.write(try RasterImage(width: 120, height: 90, channels: 3, fill: 200), to: dir.appendingPathComponent("photos/wall.png"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func files(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(folder).path)) ?? []).sorted()
    }

    /// Every pixel whose centre maps outside the feathered mask is the photo's own.
    func assertUntouchedOutsideTheMask(_ output: URL, transform: FaceTransform, side: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let photo = try ImageFile.read(AlignmentFixtures.astronaut)
        let out = try ImageFile.read(output)
        XCTAssertEqual([out.width, out.height, out.channels], [photo.width, photo.height, photo.channels], file: file, line: line)
        var outside = 0, changedInside = 0
        for y in 0..<photo.height {
            for x in 0..<photo.width {
                let c = transform.cropPoint(SIMD2(Double(x) + 0.5, Double(y) + 0.5), side: side)
                let same = out.pixel(x: x, y: y) == photo.pixel(x: x, y: y)
                if FacePasteBack().mask(u: c.x, v: c.y, side: side) == 0 {
                    outside += 1
                    if !same { XCTFail("pixel (\(x), \(y)) outside the mask differs", file: file, line: line); return }
                } else if !same {
                    changedInside += 1
                }
            }
        }
        XCTAssertGreaterThan(outside, photo.width * photo.height / 4, file: file, line: line)
        XCTAssertGreaterThan(changedInside, 1000, "the face must have been replaced", file: file, line: line)
    }

    func testAlignWritesCropsAndTransformsAndReportsTheFaceless() throws {
        var job = AlignJob(input: dir.appendingPathComponent("photos"), out: dir.appendingPathComponent("aligned"))
        job.outputSize = 64
        job.quiet = true
        let result = try job.run()
        XCTAssertEqual(result.faces, 1)
        XCTAssertEqual(result.failures, ["wall.png: no face found"])
        XCTAssertEqual(files("aligned"), ["astronaut.json", "astronaut.png"])
        let crop = try ImageFile.read(dir.appendingPathComponent("aligned/astronaut.png"))
        XCTAssertEqual([crop.width, crop.height], [64, 64])
        let record = try JSONDecoder().decode(AlignJob.Record.self, from: Data(contentsOf: dir.appendingPathComponent("aligned/astronaut.json")))
        XCTAssertEqual(record.source, "astronaut.jpg")
        XCTAssertEqual(record.landmarks.count, 68)
        XCTAssertEqual([record.transform.outputSize, record.transform.transformSize, record.transform.sourceWidth], [64, 256, 320])
        // The JSON's transform reproduces the crop from its landmarks.
        let photo = try ImageFile.read(AlignmentFixtures.astronaut)
        let again = try FaceAlignment(outputSize: 64).align(photo, landmarks: record.landmarks.map { SIMD2($0[0], $0[1]) })
        XCTAssertEqual(again.image, crop)
        XCTAssertEqual(again.transform, record.transform)
    }

    func testAllFacesNamesEachFace() throws {
        var job = AlignJob(input: dir.appendingPathComponent("photos/astronaut.jpg"), out: dir.appendingPathComponent("all"))
        job.outputSize = 32
        job.allFaces = true
        job.quiet = true
        let result = try job.run()
        XCTAssertEqual(result.failures, [])
        XCTAssertEqual(files("all"), ["astronaut_face0.json", "astronaut_face0.png"])
    }

    func testOnlyFacelessPhotosWriteNothing() throws {
        var job = AlignJob(input: dir.appendingPathComponent("photos/wall.png"), out: dir.appendingPathComponent("none"))
        job.quiet = true
        let result = try job.run()
        XCTAssertEqual(result.failures, ["wall.png: no face found"])
        XCTAssertEqual(result.written, [])
    }

    func testInvertAlignPastesTheReconstructionIntoThePhoto() throws {
        Torch.manualSeed(7)
        let g = Generator(GeneratorConfig(size: 16, styleDim: 8, mappingLayers: 1, channels: [4: 8, 8: 8, 16: 8]))
        let backbone = try IRBackboneConfig.depth(18, widthMultiplier: 1.0 / 16, seReduction: 4)
        let encoder = Encoder4Editing(EncoderConfig(type: .e4e, generatorSize: 16, styleDim: 8, backbone: backbone, inputSize: 32))
        let model = try InversionModel(encoder: encoder, generator: g, latentAverage: g.meanLatent(count: 64))
        let modelURL = dir.appendingPathComponent("model.safetensors")
        try model.save(to: modelURL)

        var job = InversionJob(modelURL: modelURL, input: dir.appendingPathComponent("photos"), out: dir.appendingPathComponent("inv"))
        job.align = true
        job.alignSize = 64
        job.saveLatents = true
        job.quiet = true
        let result = try job.run()
        XCTAssertEqual(result.failures, ["wall.png: no face found"])
        XCTAssertEqual(result.count, 1)
        XCTAssertEqual(files("inv"), ["astronaut.png", "latents.npy", "latents.txt"])
        let transform = try FaceAlignment(outputSize: 64).align(try ImageFile.read(AlignmentFixtures.astronaut),
                                                                landmarks: try FaceLandmarkDetectorForTests.landmarks()).transform
        try assertUntouchedOutsideTheMask(dir.appendingPathComponent("inv/astronaut.png"), transform: transform, side: 64)
    }

    func testEditAlignPastesEditsIntoThePhoto() throws {
        Torch.manualSeed(7)
        let g = Generator(GeneratorConfig(size: 16, styleDim: 16, mappingLayers: 1, channels: [4: 16, 8: 16, 16: 8]))
        let backbone = IRBackboneConfig(units: [1, 1, 1, 1], widths: [8, 8, 16, 16], seReduction: 4)
        let e = FPNStyleEncoder.make(EncoderConfig(type: .e4e, generatorSize: 16, styleDim: 16, backbone: backbone, inputSize: 64))
        let inversion = try InversionModel(encoder: e, generator: g, latentAverage: g.meanLatent(count: 256))
        var base = GradStyleConfig()
        base.stages = [4, 8, 16]
        base.residualChannels = 8
        base.heads = 2
        base.headDim = 4
        base.selectRatio = 0.25
        let config = try GradStyleModel.makeConfig(base, encoder: e, generator: g)
        let method = InversionMethod.network(try GradStyleNetwork(config), on: inversion)

        let directions = dir.appendingPathComponent("directions")
        try FileManager.default.createDirectory(at: directions, withIntermediateDirectories: true)
        try NPY.write(HostTensor(float32: (0..<16).map { Float($0 % 3) - 1 }, shape: [1, 16]), to: directions.appendingPathComponent("smile.npy"))
        let library = try DirectionLibrary(folder: directions, styleDim: 16)
        var job = EditJob(method: method, input: try InputImages(dir.appendingPathComponent("photos")), out: dir.appendingPathComponent("edit"),
                          edits: [try EditRequest.parse("smile:2")], directions: library)
        job.quiet = true
        let result = try job.runAligned(alignSize: 64)
        XCTAssertEqual(result.failures, ["wall.png: no face found"])
        XCTAssertEqual(files("edit"), ["astronaut_inversion.png", "astronaut_smile_+2.png"])
        let transform = try FaceAlignment(outputSize: 64).align(try ImageFile.read(AlignmentFixtures.astronaut),
                                                                landmarks: try FaceLandmarkDetectorForTests.landmarks()).transform
        for name in ["astronaut_inversion.png", "astronaut_smile_+2.png"] {
            try assertUntouchedOutsideTheMask(dir.appendingPathComponent("edit/\(name)"), transform: transform, side: 64)
        }
    }
}

enum FaceLandmarkDetectorForTests {
    /// dlib's landmarks of the astronaut's face.
    static func landmarks() throws -> [SIMD2<Double>] {
        let detector = try FaceLandmarkDetector()
        return try XCTUnwrap(try detector.detect(in: try ImageFile.read(AlignmentFixtures.astronaut)).first).landmarks
    }
}
