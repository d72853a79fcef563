import Foundation
import Models
import NN
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// `directions sample` (codes + classifier labels) and `EditSuccess`.
final class ClassifierSamplingTests: XCTestCase {
    func tmpDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("clss-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    let generatorConfig = GeneratorConfig(size: 8, styleDim: 8, mappingLayers: 2, channels: [4: 8, 8: 8])
    let classifierConfig = AttributeClassifierConfig(size: 8, widths: [4], attributes: ["smile", "yaw", "hair_hue"],
                                                     means: [0, 0, 0], stds: [0.5, 0.4, 1])

    func sample(seed: UInt64, into dir: URL, truncation: Double = 1) throws -> (Generator, AttributeClassifier, LatentSampling.Result) {
        Torch.manualSeed(10)
        let g = Generator(generatorConfig)
        let c = AttributeClassifier(classifierConfig).eval()
        var s = LatentSampling(count: 10)
        s.batch = 4
        s.truncation = truncation
        s.quiet = true
        Torch.manualSeed(seed)
        return (g, c, try s.run(generator: g, classifier: c, out: dir))
    }

    func testSampleWritesConsistentLatentsAndLabels() throws {
        let dir = try tmpDir()
        let (g, c, result) = try sample(seed: 1, into: dir)
        let w = try NPY.read(dir.appendingPathComponent(LatentSampling.latentsName))
        XCTAssertEqual(w.shape, [10, 8])
        XCTAssertEqual(w.scalarType, .float32)
        let lines = try String(contentsOf: dir.appendingPathComponent(LatentSampling.labelsName), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 11)
        XCTAssertEqual(lines[0], "file,smile,yaw,hair_hue")
        XCTAssertEqual(lines[3].split(separator: ",").first, "2")
        // each row is the classifier's reading of the image synthesised from that row's code
        let codes = Tensor(w)
        let expected = withNoGrad { c.predict(g.synthesis(g.broadcastLatent(codes), noise: .const)) }.floats()
        for (i, line) in lines.dropFirst().enumerated() {
            let values = line.split(separator: ",").dropFirst().map { Float($0)! }
            for (k, v) in values.enumerated() { XCTAssertEqual(v, expected[i * 3 + k], accuracy: 1e-4, "row \(i) column \(k)") }
            XCTAssertTrue((0...1).contains(values[2]), "hue on the unit circle")
        }
        XCTAssertEqual(codes.floats(), result.w.floats())
        // directions fit reads the pair as it is
        let fit = try DirectionFitting(latents: dir.appendingPathComponent("w.npy"), labels: dir.appendingPathComponent("labels.csv"),
                                       attribute: "smile").run()
        XCTAssertEqual(fit.normal.shape, [8])
    }

    func testSameSeedSameFilesAndTruncationPullsToTheMean() throws {
        let a = try tmpDir(), b = try tmpDir(), t = try tmpDir()
        _ = try sample(seed: 3, into: a)
        _ = try sample(seed: 3, into: b)
        for name in [LatentSampling.latentsName, LatentSampling.labelsName] {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(name)), try Data(contentsOf: b.appendingPathComponent(name)), name)
        }
        let (_, _, truncated) = try sample(seed: 3, into: t, truncation: 0.5)
        let full = Tensor(try NPY.read(a.appendingPathComponent("w.npy")))
        XCTAssertLessThan(truncated.w.std(dims: [0]).mean().item(), full.std(dims: [0]).mean().item())
    }

    // MARK: - EditSuccess

    func testEditSuccessAgainstAHandComputedCase() throws {
        let attributes = ["smile", "yaw", "hair_hue"]
        let original = Tensor([0, 0, 0.95, 0.2, 0.1, 0.5, 0.5, 0, 0] as [Double], shape: [3, 3])
        let edited = Tensor([0.5, 0.1, 0.05, 0.3, 0.1, 0.5, 0.4, -0.2, 0.9] as [Double], shape: [3, 3])
        let up = try EditSuccess.compute(original: original, edited: edited, attributes: attributes, circular: ["hair_hue"],
                                         attribute: "smile", direction: .increase, threshold: 0.2)
        // smile changes 0.5, 0.1, −0.1: mean 1/6, one of three above 0.2
        XCTAssertEqual(up.count, 3)
        XCTAssertEqual(up.meanChange, 0.5 / 3, accuracy: 1e-12)
        XCTAssertEqual(up.successRate, 1.0 / 3, accuracy: 1e-12)
        // yaw |Δ| 0.1, 0, 0.2 → 0.1; hue 0.95→0.05 and 0→0.9 are 0.1 the short way round → 0.2 / 3
        XCTAssertEqual(up.others.map(\.attribute), ["yaw", "hair_hue"])
        XCTAssertEqual(up.others[0].meanAbsoluteChange, 0.1, accuracy: 1e-12)
        XCTAssertEqual(up.others[1].meanAbsoluteChange, 0.2 / 3, accuracy: 1e-12)
        XCTAssertEqual(up.entanglement, (0.1 + 0.2 / 3) / 2, accuracy: 1e-12)
        XCTAssertTrue(up.description.contains("smile +0.167"), up.description)

        let down = try EditSuccess.compute(original: original, edited: edited, attributes: attributes, circular: ["hair_hue"],
                                           attribute: "smile", direction: .decrease, threshold: 0.05)
        XCTAssertEqual(down.successRate, 1.0 / 3, accuracy: 1e-12)   // only the −0.1
        XCTAssertThrowsError(try EditSuccess.compute(original: original, edited: edited, attributes: attributes,
                                                     attribute: "age", direction: .increase, threshold: 0.1)) {
            XCTAssertTrue("\($0)".contains("age"), "\($0)")
        }
    }

    func testEditSuccessMeasuresImagesWithTheClassifier() throws {
        Torch.manualSeed(8)
        let c = AttributeClassifier(classifierConfig)
        c.train()
        let images = Tensor.rand([5, 3, 16, 16]) * 2 - 1
        let same = try EditSuccess.measure(classifier: c, original: images, edited: images, attribute: "yaw",
                                           direction: .increase, batch: 2)
        XCTAssertEqual(same.meanChange, 0, accuracy: 1e-6)
        XCTAssertEqual(same.successRate, 0)
        XCTAssertEqual(same.entanglement, 0, accuracy: 1e-6)
        XCTAssertEqual(same.threshold, 0.25 * 0.4, accuracy: 1e-12)
        XCTAssertTrue(c.isTraining, "the classifier's mode is restored")
        let other = Tensor.rand([5, 3, 16, 16]) * 2 - 1
        let r = try EditSuccess.measure(classifier: c, original: images, edited: other, attribute: "smile", direction: .increase)
        let expected = withNoGrad { (c.eval().predict(other) - c.predict(images)).select(dim: 1, index: 0).mean().item() }
        XCTAssertEqual(r.meanChange, expected, accuracy: 1e-5)
        XCTAssertThrowsError(try EditSuccess.measure(classifier: c, original: images, edited: images[0..<2], attribute: "smile",
                                                     direction: .increase))
    }
}
