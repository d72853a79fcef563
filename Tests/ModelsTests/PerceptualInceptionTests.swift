import XCTest
@testable import Models
import NN
import TensorIO
import Torch

/// The FID Inception against pytorch-fid's `InceptionV3` run by real PyTorch (see Fixtures/README.md).
final class PerceptualInceptionTests: XCTestCase {
    func referenceModel() -> FIDInceptionV3 {
        let model = FIDInceptionV3()
        let weights = seededReferenceWeights(model.stateDict().map { ($0.name, $0.tensor.shape) }, seed: 3)
        // num_batches_tracked is not drawn; it keeps its value.
        try! model.loadStateDict(weights, strict: false)
        return model
    }

    func testKeyLayoutMatchesPtInception() throws {
        let reference = try referenceKeys("fid_inception_keys.txt").filter { !$0.name.hasPrefix("fc.") }
        let ours = FIDInceptionV3().stateDict().map { "\($0.name) \($0.tensor.shape)" }
        XCTAssertEqual(ours, reference.map { "\($0.name) \($0.shape)" })
        XCTAssertEqual(ours.count, 94 * 6) // 94 BasicConv2d units: conv weight + 5 batch-norm tensors
        XCTAssertEqual(FIDInceptionV3().Mixed_5b.branch1x1.bn.eps, 0.001)
    }

    func testMatchesPytorchFID() throws {
        let model = referenceModel()
        let x = try loadNPY("fid_inception_x.npy")
        let features = withInferenceMode { model(x) }
        XCTAssertEqual(features.shape, [2, 2048])
        let expected = try loadNPY("fid_inception_out.npy")
        XCTAssertLessThan(maxAbsDiff(features, expected), 2e-5)
    }

    func testLoadingIgnoresClassifierAndAcceptsWrapperLayout() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reference = referenceModel()
        // pt_inception-2015-12-05 also holds the 1008-way classifier.
        var tensors = Dictionary(uniqueKeysWithValues: reference.stateDict().map { ($0.name, $0.tensor) })
        tensors["fc.weight"] = Tensor.zeros([1008, 2048])
        tensors["fc.bias"] = Tensor.zeros([1008])
        let file = dir.appendingPathComponent("pt_inception.safetensors")
        try writeSafeTensors(tensors, to: file)
        let loaded = try FIDInceptionV3.load(file)
        XCTAssertTrue(loaded.hasPretrainedWeights)
        let x = try loadNPY("fid_inception_x.npy")
        let expected = reference(x).floats()  // computed once: a forward at 299² is the test's cost
        XCTAssertEqual(loaded(x).floats(), expected)

        // pytorch-fid's InceptionV3 wrapper: blocks.2.0 is Mixed_5b.
        XCTAssertEqual(FIDInceptionV3.canonicalKey("blocks.2.0.branch1x1.conv.weight"), "Mixed_5b.branch1x1.conv.weight")
        XCTAssertEqual(FIDInceptionV3.canonicalKey("blocks.0.2.bn.running_var"), "Conv2d_2b_3x3.bn.running_var")
        XCTAssertNil(FIDInceptionV3.canonicalKey("fc.weight"))

        // Our own save/load round trip.
        let ours = dir.appendingPathComponent("inception.safetensors")
        try reference.save(to: ours)
        XCTAssertEqual(try FIDInceptionV3.load(ours)(x).floats(), expected)
    }

    func testWrongFileIsAOneLineErrorNamingIt() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("not-inception.safetensors")
        try writeSafeTensors(["Conv2d_1a_3x3.conv.weight": Tensor.zeros([32, 3, 5, 5])], to: file)
        XCTAssertThrowsError(try FIDInceptionV3.load(file)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("not-inception.safetensors") && text.contains("Conv2d_1a_3x3.conv.weight"), text)
            XCTAssertFalse(text.contains("\n"))
        }
        let empty = dir.appendingPathComponent("other.safetensors")
        try writeSafeTensors(["fc.weight": Tensor.zeros([2, 2])], to: empty)
        XCTAssertThrowsError(try FIDInceptionV3.load(empty)) { XCTAssertTrue("\($0)".contains("no Inception weights"), "\($0)") }
    }

    func testRandomWeightsGiveInformativeFeatures() {
        Torch.manualSeed(6)
        let model = FIDInceptionV3()
        XCTAssertFalse(model.hasPretrainedWeights)
        let x = Tensor.rand([2, 3, 64, 64]) * 2 - 1
        let f = withInferenceMode { model(x) }
        XCTAssertEqual(f.shape, [2, 2048])
        // He initialisation keeps the signal: features are O(1), not vanishing.
        XCTAssertGreaterThan(f.abs().mean().item(), 0.01)
        XCTAssertGreaterThan((f[0] - f[1]).abs().max().item(), 1e-3)
    }
}
