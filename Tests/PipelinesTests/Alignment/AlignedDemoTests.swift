import Foundation
import ImageIO
import Models
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// `demo --align` and `eval … --input DIR --align` on the astronaut photo with a tiny random bundle: the faces are
/// aligned exactly as `gradstyle align` aligns them, the photo without a face is left out with a note, and the page
/// is made from the crops.
final class AlignedDemoTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("aligned-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("photos"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("directions"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: AlignmentFixtures.astronaut, to: dir.appendingPathComponent("photos/astronaut.jpg"))
        try ImageFile.write(try RasterImage(width: 120, height: 90, channels: 3, fill: 200), to: dir.appendingPathComponent("photos/wall.png"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A 16² generator with a 64²-input e4e and a GradStyle network, saved as a bundle with one direction.
    func makeBundle() throws -> URL {
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
        let network = try GradStyleNetwork(try GradStyleModel.makeConfig(base, encoder: e, generator: g))
        let url = dir.appendingPathComponent("model.safetensors")
        try GradStyleBundle.save(inversion: inversion, networks: ["gradstyle": network.eval()], to: url)
        try NPY.write(HostTensor(float32: (0..<16).map { Float($0 % 3) - 1 }, shape: [1, 16]), to: dir.appendingPathComponent("directions/smile.npy"))
        return url
    }

    func testAlignedPhotosAreTheCropsOfAlign() throws {
        let set = try HeldOutSet.alignedPhotos(dir.appendingPathComponent("photos"), count: nil, inputSize: 64, resolution: 16, quiet: true)
        XCTAssertEqual(set.names, ["astronaut"])
        XCTAssertTrue(set.notes.contains("left out: wall.png: no face found"), "\(set.notes)")
        var align = AlignJob(input: dir.appendingPathComponent("photos"), out: dir.appendingPathComponent("aligned"))
        align.outputSize = 64
        align.quiet = true
        XCTAssertEqual(try align.run().faces, 1)
        let crops = try HeldOutSet.folder(dir.appendingPathComponent("aligned"), count: nil, inputSize: 64, resolution: 16)
        XCTAssertEqual(set.inputs.shape, [1, 3, 64, 64])
        XCTAssertEqual((set.inputs - crops.inputs).abs().max().item(), 0, "the same crop as `gradstyle align`")
        XCTAssertEqual((set.targets - crops.targets).abs().max().item(), 0)
        // No face anywhere: one clear error naming the folder.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("photos/astronaut.jpg"))
        XCTAssertThrowsError(try HeldOutSet.alignedPhotos(dir.appendingPathComponent("photos"), count: nil, inputSize: 64, resolution: 16, quiet: true)) {
            XCTAssertTrue("\($0)".contains("no face found in any photo"), "\($0)")
        }
    }

    func testDemoAlignRunsThePageOnTheCrops() throws {
        let url = try makeBundle()
        let out = dir.appendingPathComponent("out")
        var job = DemoJob(modelURL: url, out: out)
        job.input = dir.appendingPathComponent("photos")
        job.align = true
        job.quiet = true
        let report = try job.run()
        XCTAssertEqual(report.images, 1, "the astronaut's face; the wall has none")
        XCTAssertEqual(report.resolution, 16)
        XCTAssertTrue(report.notes.contains("left out: wall.png: no face found"), "\(report.notes)")
        XCTAssertEqual(report.methods, ["e4e", "gradstyle"])
        XCTAssertEqual(report.edits.count, 5 * 2, "smile at five strengths for both methods")
        // Real photos have no region masks: nothing "kept" is claimed.
        XCTAssertTrue(report.edits.allSatisfy { $0.keptPSNR == nil })
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        let links = html.components(separatedBy: "src=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        XCTAssertEqual(links.count, 3 + 2 * (1 + 5), "reconstruction row + per method: source and five strengths")
        for link in links { XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(link).path), link) }
        // The source tile is the aligned crop at the generator's resolution.
        let set = try HeldOutSet.alignedPhotos(dir.appendingPathComponent("photos"), count: nil, inputSize: 64, resolution: 16, quiet: true)
        let source = try ImageFile.read(out.appendingPathComponent(DemoPage(report: report, shown: 1).reconstructionTile(image: 0, column: "source")))
        XCTAssertEqual(source, try ImageTensors.rasterImages(set.targets)[0])
    }
}
