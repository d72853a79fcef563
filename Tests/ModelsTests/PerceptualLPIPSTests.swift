import XCTest
@testable import Models
import NN
import TensorIO
import Torch

/// LPIPS against the lpips package run by real PyTorch (see Fixtures/README.md), its key layout, and its loader.
final class PerceptualLPIPSTests: XCTestCase {
    /// The trunk weights of the fixtures, named as in torchvision's checkpoints (`features.N.*`).
    func referenceTrunk(_ network: LPIPSNetwork) -> [String: Tensor] {
        let trunk: any LPIPSTrunk = network == .alex ? AlexNetFeatures() : VGG16Features()
        return seededReferenceWeights(trunk.stateDict().map { ($0.name, $0.tensor.shape) }, seed: network == .alex ? 1 : 2)
    }

    func loadReference(_ network: LPIPSNetwork, in dir: URL) throws -> LPIPS {
        let trunkURL = dir.appendingPathComponent("trunk-\(network.rawValue).safetensors")
        var trunk = referenceTrunk(network)
        // torchvision checkpoints also hold the classifier, which LPIPS ignores.
        trunk["classifier.1.weight"] = Tensor.zeros([4, 2])
        try writeSafeTensors(trunk, to: trunkURL)
        let heads = fixture(network == .alex ? "lpips_alex_heads.pth" : "lpips_vgg_heads_legacy.pth")
        return try LPIPS.load(network: network, trunk: trunkURL, heads: heads)
    }

    func testKeyLayoutMatchesTorchvisionAndLPIPS() throws {
        for network in LPIPSNetwork.allCases {
            let model = LPIPS(network: network)
            let ours = model.stateDict().filter { !$0.name.hasPrefix("scaling_layer.") }.map { entry -> String in
                let name = entry.name.hasPrefix("net.") ? String(entry.name.dropFirst(4)) : entry.name
                return "\(name) \(entry.tensor.shape)"
            }
            let reference = try referenceKeys("lpips_\(network.rawValue)_keys.txt").map { "\($0.name) \($0.shape)" }
            XCTAssertEqual(ours, reference, network.rawValue)
            XCTAssertEqual(model.stateDict().prefix(2).map(\.name), ["scaling_layer.shift", "scaling_layer.scale"])
        }
    }

    func testMatchesReferenceAlex() throws { try checkReference(.alex) }
    func testMatchesReferenceVGG() throws { try checkReference(.vgg) }

    func checkReference(_ network: LPIPSNetwork) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try loadReference(network, in: dir)
        XCTAssertTrue(model.hasPretrainedWeights)
        let x0 = try loadNPY("lpips_x0.npy"), x1 = try loadNPY("lpips_x1.npy")
        let out = withInferenceMode { model(x0, x1) }
        XCTAssertEqual(out.shape, [2])
        assertClose(out.floats(), try loadNPY("lpips_\(network.rawValue)_out.npy").floats(), atol: 1e-6, rtol: 1e-4)
        let layers = withInferenceMode { Tensor.stack(model.layerDistances(x0, x1)) }
        assertClose(layers.floats(), try loadNPY("lpips_\(network.rawValue)_layers.npy").floats(), atol: 1e-7, rtol: 1e-4)
    }

    func testIdenticalImagesHaveZeroDistance() {
        Torch.manualSeed(3)
        let x = Tensor.rand([2, 3, 40, 36]) * 2 - 1
        for network in LPIPSNetwork.allCases {
            let d = LPIPS(network: network)(x, x)
            XCTAssertEqual(d.floats(), [0, 0], network.rawValue)
        }
    }

    func testRandomWeightsAreMarkedAndNonNegative() {
        Torch.manualSeed(4)
        let model = LPIPS()
        XCTAssertFalse(model.hasPretrainedWeights)
        XCTAssertFalse(model.isTraining)
        model.train()
        XCTAssertFalse(model.isTraining, "LPIPS stays in evaluation mode")
        let a = Tensor.rand([3, 3, 64, 64]) * 2 - 1, b = Tensor.rand([3, 3, 64, 64]) * 2 - 1
        XCTAssertTrue(model(a, b).floats().allSatisfy { $0 > 0 })
    }

    func testGradientsReachTheInput() {
        Torch.manualSeed(5)
        let model = LPIPS()
        let a = (Tensor.rand([1, 3, 32, 32]) * 2 - 1).requiresGrad(true)
        let b = Tensor.rand([1, 3, 32, 32]) * 2 - 1
        model(a, b).sum().backward()
        XCTAssertNotNil(a.grad)
        XCTAssertTrue(model.parameters().allSatisfy { !$0.requiresGrad })
    }

    func testMinimumInputSides() {
        XCTAssertEqual(LPIPS(network: .alex).minimumInputSide, 31)
        XCTAssertEqual(LPIPS(network: .vgg).minimumInputSide, 16)
    }

    func testSafetensorsRoundTripAndLPIPSModelLayout() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reference = try loadReference(.alex, in: dir)
        let ours = dir.appendingPathComponent("lpips-alex.safetensors")
        try reference.save(to: ours)
        let back = try LPIPS.load(network: .alex, trunk: ours, heads: ours)
        let x0 = try loadNPY("lpips_x0.npy"), x1 = try loadNPY("lpips_x1.npy")
        XCTAssertEqual(back(x0, x1).floats(), reference(x0, x1).floats())

        // A whole lpips model's state dict names the trunk by slices: net.slice2.3.weight is features.3.weight.
        var sliced: [String: Tensor] = [:]
        let slices = [0: 1, 1: 1, 3: 2, 4: 2, 6: 3, 8: 4, 10: 5]
        for (name, t) in reference.stateDict() {
            let parts = name.split(separator: ".")
            if parts[0] == "net", let i = Int(parts[2]) {
                sliced["net.slice\(slices[i]!).\(i).\(parts[3])"] = t
            } else {
                sliced[name] = t
            }
        }
        let slicedURL = dir.appendingPathComponent("lpips-model.safetensors")
        try writeSafeTensors(sliced, to: slicedURL)
        let fromSliced = try LPIPS.load(network: .alex, files: [slicedURL])
        XCTAssertEqual(fromSliced(x0, x1).floats(), reference(x0, x1).floats())
    }

    func testLoaderErrorsNameTheProblem() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let alexTrunk = dir.appendingPathComponent("alexnet.safetensors")
        try writeSafeTensors(referenceTrunk(.alex), to: alexTrunk)
        let alexHeads = fixture("lpips_alex_heads.pth"), vggHeads = fixture("lpips_vgg_heads_legacy.pth")

        // Wrong network for the trunk.
        XCTAssertThrowsError(try LPIPS.load(network: .vgg, trunk: alexTrunk, heads: vggHeads)) { error in
            XCTAssertTrue("\(error)".contains("AlexNet trunk"), "\(error)")
            XCTAssertTrue("\(error)".contains("alexnet.safetensors"), "\(error)")
        }
        // Heads of the other network.
        XCTAssertThrowsError(try LPIPS.load(network: .alex, trunk: alexTrunk, heads: vggHeads)) { error in
            XCTAssertTrue("\(error)".contains("heads for vgg"), "\(error)")
        }
        // Heads missing.
        XCTAssertThrowsError(try LPIPS.load(network: .alex, files: [alexTrunk])) { error in
            XCTAssertTrue("\(error)".contains("LPIPS heads"), "\(error)")
        }
        // Trunk missing.
        XCTAssertThrowsError(try LPIPS.load(network: .alex, files: [alexHeads])) { error in
            XCTAssertTrue("\(error)".contains("alex trunk"), "\(error)")
        }
        // Not a checkpoint at all.
        let junk = dir.appendingPathComponent("junk.pth")
        try Data("hello".utf8).write(to: junk)
        XCTAssertThrowsError(try LPIPS.load(network: .alex, trunk: alexTrunk, heads: junk)) { error in
            XCTAssertTrue("\(error)".contains("junk.pth"), "\(error)")
        }
    }

    func testCanonicalKeys() {
        XCTAssertEqual(LPIPS.canonicalKey("features.3.weight"), "net.features.3.weight")
        XCTAssertEqual(LPIPS.canonicalKey("module.features.3.bias"), "net.features.3.bias")
        XCTAssertEqual(LPIPS.canonicalKey("net.slice2.3.weight"), "net.features.3.weight")
        XCTAssertEqual(LPIPS.canonicalKey("lin4.model.1.weight"), "lin4.model.1.weight")
        XCTAssertEqual(LPIPS.canonicalKey("lin4.model.0.weight"), "lin4.model.1.weight")
        XCTAssertEqual(LPIPS.canonicalKey("lins.2.model.1.weight"), "lin2.model.1.weight")
        XCTAssertNil(LPIPS.canonicalKey("classifier.1.weight"))
        XCTAssertNil(LPIPS.canonicalKey("linear.weight"))
    }
}
