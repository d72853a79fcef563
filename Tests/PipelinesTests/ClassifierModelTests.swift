import Foundation
import Models
import NN
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// The attribute classifier network: label encoding (standardised, hue as cos/sin), resizing, save → load.
final class ClassifierModelTests: XCTestCase {
    func tmpDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("clsm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    let config = AttributeClassifierConfig(size: 16, widths: [8, 12], attributes: ["smile", "age", "hair_hue", "eyeglasses"],
                                           means: [0.1, 0.5, 0, 0.3], stds: [0.5, 0.25, 1, 0.45],
                                           binary: ["eyeglasses"])

    func testEncodeDecodeRoundTripWithCircularHue() {
        let c = AttributeClassifier(config)
        XCTAssertEqual(config.circular, ["hair_hue"])
        XCTAssertEqual(config.outputCount, 5)
        let labels = Tensor([0.6, 0.2, 0.99, 1, -0.4, 0.9, 0.01, 0] as [Float], shape: [2, 4])
        let encoded = c.encode(labels)
        XCTAssertEqual(encoded.shape, [2, 5])
        let e = encoded.floats()
        XCTAssertEqual(e[0], 1, accuracy: 1e-6)            // (0.6 − 0.1) / 0.5
        XCTAssertEqual(e[1], -1.2, accuracy: 1e-6)         // (0.2 − 0.5) / 0.25
        // hue 0.99 and 0.01 are neighbours on the circle: their targets are close although the values are not
        XCTAssertLessThan(Swift.abs(e[2] - e[7]) + Swift.abs(e[3] - e[8]), 0.13)
        let decoded = c.decode(encoded).floats()
        for (d, l) in zip(decoded, labels.floats()) { XCTAssertEqual(d, l, accuracy: 1e-5) }
    }

    func testAnyInputSizeIsResized() {
        Torch.manualSeed(2)
        let c = AttributeClassifier(config).eval()
        let image = Tensor.rand([2, 3, 16, 16]) * 2 - 1
        let big = Functional.interpolate(image, size: (48, 48), mode: .nearest)
        XCTAssertEqual(c.predict(image).shape, [2, 4])
        XCTAssertEqual(c.predict(Tensor.rand([1, 3, 40, 24])).shape, [1, 4])
        // nearest-upsampled by 3 and area-resized back: the same pixels, the same prediction
        XCTAssertLessThan((c.predict(big) - c.predict(image)).abs().max().item(), 1e-4)
    }

    func testSaveLoadGivesIdenticalOutputs() throws {
        Torch.manualSeed(3)
        let c = AttributeClassifier(config)
        // move the batch-norm statistics off their initial values
        for _ in 0..<3 { _ = c(Tensor.randn([4, 3, 16, 16])) }
        c.eval()
        let url = try tmpDir().appendingPathComponent("classifier.safetensors")
        try c.save(to: url)
        let loaded = try AttributeClassifier.load(url)
        XCTAssertEqual(loaded.config, config)
        XCTAssertFalse(loaded.isTraining)
        let x = Tensor.randn([5, 3, 16, 16])
        XCTAssertEqual(loaded.predict(x).floats(), c.predict(x).floats())
        XCTAssertEqual(loaded(x).floats(), c(x).floats())
    }

    func testLoadErrorsNameTheFile() throws {
        let dir = try tmpDir()
        // safetensors without our metadata
        let plain = dir.appendingPathComponent("plain.safetensors")
        try SafeTensors.write(StateDict(uniqueNamesWithTensors: [("x", Tensor.zeros([2]).hostTensor())]), to: plain)
        XCTAssertThrowsError(try AttributeClassifier.load(plain)) {
            XCTAssertTrue("\($0)".contains("plain.safetensors") && "\($0)".contains("gradstyle.classifier"), "\($0)")
        }
        // weights that do not fit the config they claim
        var wider = config
        wider.widths = [8, 16]
        let url = dir.appendingPathComponent("c.safetensors")
        try AttributeClassifier(config).save(to: url)
        let (tensors, _) = try SafeTensors.read(url)
        try SafeTensors.write(tensors, metadata: [AttributeClassifier.configKey: String(decoding: try JSONEncoder().encode(wider), as: UTF8.self)],
                              to: url)
        XCTAssertThrowsError(try AttributeClassifier.load(url)) {
            XCTAssertTrue("\($0)".contains("c.safetensors") && "\($0)".contains("shape"), "\($0)")
        }
        // an invalid config
        var broken = config
        broken.stds = [1]
        try SafeTensors.write(tensors, metadata: [AttributeClassifier.configKey: String(decoding: try JSONEncoder().encode(broken), as: UTF8.self)],
                              to: url)
        XCTAssertThrowsError(try AttributeClassifier.load(url)) { XCTAssertTrue("\($0)".contains("c.safetensors"), "\($0)") }
    }
}
