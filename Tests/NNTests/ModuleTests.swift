import Foundation
import XCTest
import Torch
@testable import NN

/// A conv + norm block, registered under the names a reference implementation would use.
private final class Block: Module {
    let conv: Conv2d
    let norm: BatchNorm2d

    init(_ cin: Int, _ cout: Int) {
        conv = Conv2d(cin, cout, kernelSize: 3, padding: 1)
        norm = BatchNorm2d(cout)
        super.init()
        registerModule("conv", conv)
        registerModule("norm", norm)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { norm(conv(x)).relu() }
}

/// A small network exercising every naming form: a top-level parameter, a Sequential with parameter-free layers in
/// between, a ModuleList of custom blocks, and a plain Module holding buffers (rosinality's `noises`).
private final class Net: Module {
    let input: Tensor
    let style: Sequential
    let convs: ModuleList<Block>
    let noises = Module()
    let cache: Tensor

    override init() {
        input = Tensor.randn([1, 2, 4, 4])
        style = Sequential(Linear(4, 4), LeakyReLU(negativeSlope: 0.2), Linear(4, 2))
        convs = ModuleList([Block(2, 3), Block(3, 2)])
        cache = Tensor.zeros([1])
        super.init()
        registerParameter("input", input)
        registerModule("style", style)
        registerModule("convs", convs)
        registerModule("noises", noises)
        noises.registerBuffer("noise_0", Tensor.randn([1, 1, 4, 4]))
        noises.registerBuffer("noise_1", Tensor.randn([1, 1, 4, 4]))
        registerBuffer("cache", cache, persistent: false)
    }

    func callAsFunction(_ latent: Tensor) -> Tensor {
        let s = style(latent).reshape([1, 2, 1, 1])
        var x = input * s + noises.buffer("noise_0")!
        for block in convs { x = block(x) }
        return x + noises.buffer("noise_1")!
    }
}

private let expectedKeys = [
    "input",
    "style.0.weight", "style.0.bias", "style.2.weight", "style.2.bias",
    "convs.0.conv.weight", "convs.0.conv.bias",
    "convs.0.norm.weight", "convs.0.norm.bias", "convs.0.norm.running_mean", "convs.0.norm.running_var",
    "convs.0.norm.num_batches_tracked",
    "convs.1.conv.weight", "convs.1.conv.bias",
    "convs.1.norm.weight", "convs.1.norm.bias", "convs.1.norm.running_mean", "convs.1.norm.running_var",
    "convs.1.norm.num_batches_tracked",
    "noises.noise_0", "noises.noise_1",
]

final class ModuleTests: XCTestCase {
    func testDottedNamesFollowPyTorchOrder() {
        let net = Net()
        XCTAssertEqual(net.stateDict().map(\.name), expectedKeys)
        XCTAssertEqual(net.namedParameters().map(\.name), [
            "input", "style.0.weight", "style.0.bias", "style.2.weight", "style.2.bias",
            "convs.0.conv.weight", "convs.0.conv.bias", "convs.0.norm.weight", "convs.0.norm.bias",
            "convs.1.conv.weight", "convs.1.conv.bias", "convs.1.norm.weight", "convs.1.norm.bias",
        ])
        XCTAssertEqual(net.namedBuffers().map(\.name), [
            "cache",
            "convs.0.norm.running_mean", "convs.0.norm.running_var", "convs.0.norm.num_batches_tracked",
            "convs.1.norm.running_mean", "convs.1.norm.running_var", "convs.1.norm.num_batches_tracked",
            "noises.noise_0", "noises.noise_1",
        ])
        XCTAssertEqual(net.namedChildren.map(\.name), ["style", "convs", "noises"])
        XCTAssertEqual(net.style.namedChildren.map(\.name), ["0", "1", "2"])
        XCTAssertEqual(net.namedModules().map(\.name).prefix(5), ["", "style", "style.0", "style.1", "style.2"])
        XCTAssertTrue(net.module(at: "convs.1.norm") === net.convs[1].norm)
        XCTAssertTrue(net.module(at: "") === net)
        XCTAssertNil(net.module(at: "convs.7"))
        XCTAssertTrue(net.tensor(at: "convs.0.conv.weight") === net.convs[0].conv.weight)
        XCTAssertTrue(net.tensor(at: "noises.noise_1") === net.noises.buffer("noise_1"))
        XCTAssertNil(net.tensor(at: "convs.0.conv.nothing"))
        let expectedCount = 1 * 2 * 4 * 4 + (4 * 4 + 4) + (4 * 2 + 2) + (3 * 2 * 9 + 3) + 3 * 2 + (2 * 3 * 9 + 2) + 2 * 2
        XCTAssertEqual(net.parameterCount, expectedCount)
    }

    func testSharedParameterListedOnceButSavedUnderEachName() {
        let parent = Module()
        let a = Linear(2, 2)
        parent.registerModule("a", a)
        let tied = Module()
        tied.registerParameter("weight", a.weight)
        parent.registerModule("tied", tied)
        XCTAssertEqual(parent.namedParameters().map(\.name), ["a.weight", "a.bias"])
        XCTAssertEqual(parent.stateDict().map(\.name), ["a.weight", "a.bias", "tied.weight"])
    }

    func testReRegisteringReplacesInPlace() {
        let m = Module()
        m.registerParameter("w", Tensor.zeros([2]))
        m.registerParameter("v", Tensor.zeros([3]))
        let replacement = Tensor.ones([4])
        m.registerParameter("w", replacement)
        XCTAssertEqual(m.stateDict().map(\.name), ["w", "v"])
        XCTAssertTrue(m.parameter("w") === replacement)
    }

    func testStateDictRoundTripGivesIdenticalOutputs() throws {
        Torch.manualSeed(1)
        let source = Net()
        _ = source(Tensor.randn([1, 4]))  // move the running statistics away from their defaults
        source.eval()
        Torch.manualSeed(2)
        let target = Net().eval()
        let latent = Tensor.randn([1, 4])
        XCTAssertNotEqual(source(latent).floats(), target(latent).floats())

        let report = try target.loadStateDict(source.stateDict())
        XCTAssertTrue(report.isClean)
        XCTAssertEqual(report.loaded, expectedKeys)
        XCTAssertEqual(source(latent).floats(), target(latent).floats())
        XCTAssertEqual(target.convs[0].norm.numBatchesTracked!.int64s(), [1])
        // Values were copied, not aliased.
        withNoGrad { source.input.add_(1) }
        XCTAssertNotEqual(source(latent).floats(), target(latent).floats())
        // Parameters stay parameters.
        XCTAssertTrue(target.input.requiresGrad)
    }

    func testLoadConvertsDTypeAndAcceptsOneElementForScalar() throws {
        let bn = BatchNorm2d(2)
        let dict: [String: Tensor] = [
            "weight": Tensor([2.0, 3.0]),                 // float64 into float32
            "bias": Tensor([0.5, 0.25] as [Float]),
            "running_mean": Tensor([1.0, -1.0]),
            "running_var": Tensor([4.0, 9.0]),
            "num_batches_tracked": Tensor([Int64(7)]),    // shape [1] into a 0-D buffer, as old checkpoints have it
        ]
        try bn.loadStateDict(dict)
        XCTAssertEqual(bn.weight!.dtype, .float32)
        XCTAssertEqual(bn.weight!.floats(), [2, 3])
        XCTAssertEqual(bn.numBatchesTracked!.int64s(), [7])
        XCTAssertEqual(bn.numBatchesTracked!.shape, [])
    }

    func testMissingNumBatchesTrackedIsTolerated() throws {
        let bn = BatchNorm2d(2)
        let report = try bn.loadStateDict([
            "weight": Tensor([1.0, 1.0]), "bias": Tensor([0.0, 0.0]),
            "running_mean": Tensor([0.0, 0.0]), "running_var": Tensor([1.0, 1.0]),
        ])
        XCTAssertTrue(report.isClean)
        XCTAssertEqual(report.keptDefaults, ["num_batches_tracked"])
    }

    func testStrictLoadNamesEveryProblemAndChangesNothing() {
        let net = Net()
        let before = net.convs[0].conv.weight.floats()
        var dict = Dictionary(uniqueKeysWithValues: Net().stateDict().map { ($0.name, $0.tensor) })
        dict["style.2.bias"] = nil
        dict["noises.noise_0"] = nil
        dict["style.9.weight"] = Tensor.zeros([1])
        dict["convs.1.conv.weight"] = Tensor.zeros([2, 3, 1, 1])
        XCTAssertThrowsError(try net.loadStateDict(dict)) { error in
            guard let e = error as? StateDictError else { return XCTFail("unexpected error \(error)") }
            XCTAssertEqual(e.missingKeys, ["style.2.bias", "noises.noise_0"])
            XCTAssertEqual(e.unexpectedKeys, ["style.9.weight"])
            XCTAssertEqual(e.shapeMismatches, [.init(key: "convs.1.conv.weight", expected: [2, 3, 3, 3], found: [2, 3, 1, 1])])
            let message = "\(e)"
            XCTAssertTrue(message.contains("Net"), message)
            XCTAssertTrue(message.contains("2 missing keys: style.2.bias, noises.noise_0"), message)
            XCTAssertTrue(message.contains("1 unexpected key: style.9.weight"), message)
            XCTAssertTrue(message.contains("1 shape mismatch: convs.1.conv.weight (expected [2, 3, 3, 3], found [2, 3, 1, 1])"),
                          message)
        }
        XCTAssertEqual(net.convs[0].conv.weight.floats(), before, "a failed strict load copies nothing")
    }

    func testLongProblemListsAreSummarised() {
        let net = Net()
        XCTAssertThrowsError(try net.loadStateDict([String: Tensor]())) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("19 missing keys: input, style.0.weight, style.0.bias, style.2.weight, style.2.bias, … (14 more)"),
                          message)
            XCTAssertFalse(message.contains("noises.noise_1"), message)
            XCTAssertEqual((error as? StateDictError)?.missingKeys.count, 19)
        }
    }

    func testNonStrictLoadReportsWhatWasSkipped() throws {
        let net = Net()
        let source = Net()
        var dict = Dictionary(uniqueKeysWithValues: source.stateDict().map { ($0.name, $0.tensor) })
        dict["input"] = nil
        dict["extra.weight"] = Tensor.zeros([3])
        dict["style.0.weight"] = Tensor.zeros([5, 4])
        let inputBefore = net.input.floats()
        let styleBefore = net.style.layers[0].parameter("weight")!.floats()
        let report = try net.loadStateDict(dict, strict: false)
        XCTAssertEqual(report.missing, ["input"])
        XCTAssertEqual(report.unexpected, ["extra.weight"])
        XCTAssertEqual(report.shapeMismatches.map(\.key), ["style.0.weight"])
        XCTAssertEqual(report.loaded.count, expectedKeys.count - 2)
        XCTAssertFalse(report.isClean)
        XCTAssertEqual(net.input.floats(), inputBefore)
        XCTAssertEqual(net.style.layers[0].parameter("weight")!.floats(), styleBefore)
        XCTAssertEqual(net.convs[1].conv.weight.floats(), source.convs[1].conv.weight.floats())
    }

    func testTrainEvalPropagates() {
        let net = Net()
        XCTAssertTrue(net.modules().allSatisfy(\.isTraining))
        net.eval()
        XCTAssertTrue(net.modules().allSatisfy { !$0.isTraining })
        net.convs.train()
        XCTAssertFalse(net.isTraining)
        XCTAssertTrue(net.convs[1].norm.isTraining)
    }

    func testFreezeAndUnfreeze() {
        let net = Net()
        XCTAssertEqual(net.trainableParameterCount, net.parameterCount)
        net.freeze()
        XCTAssertTrue(net.parameters().allSatisfy { !$0.requiresGrad })
        XCTAssertEqual(net.trainableParameterCount, 0)
        // A frozen network still passes gradients to its input.
        let latent = Tensor.randn([1, 4]).requiresGrad(true)
        net(latent).sum().backward()
        XCTAssertNotNil(latent.grad)
        XCTAssertNil(net.input.grad)
        net.convs.unfreeze()
        XCTAssertTrue(net.convs[0].conv.weight.requiresGrad)
        XCTAssertFalse(net.input.requiresGrad)
    }

    func testToDTypeMovesInPlaceKeepingRequiresGrad() {
        Torch.manualSeed(3)
        let net = Net().eval()
        let latent = Tensor.randn([1, 4])
        let reference = net(latent).doubles()
        net.convs[1].freeze()
        let weight = net.convs[0].conv.weight
        net.to(dtype: .float64)
        XCTAssertTrue(net.convs[0].conv.weight === weight, "the same object, rebound")
        XCTAssertEqual(weight.dtype, .float64)
        XCTAssertTrue(net.parameters().allSatisfy { $0.dtype == .float64 })
        XCTAssertTrue(weight.requiresGrad)
        XCTAssertFalse(net.convs[1].conv.weight.requiresGrad)
        XCTAssertEqual(net.noises.buffer("noise_0")!.dtype, .float64)
        XCTAssertEqual(net.convs[0].norm.numBatchesTracked!.dtype, .int64, "integer buffers keep their dtype")
        let output = net(latent.to(.float64))
        XCTAssertEqual(output.dtype, .float64)
        assertClose(output.doubles(), reference, atol: 1e-5, rtol: 1e-5, "float64 forward")
        // Still trainable after the move.
        output.sum().backward()
        XCTAssertNotNil(weight.grad)
        net.to(device: .cpu)
        XCTAssertEqual(weight.device, .cpu)
    }

    func testModuleListIsACollection() {
        let list = ModuleList([Linear(2, 2), Linear(2, 3)])
        list.append(Linear(3, 1))
        XCTAssertEqual(list.count, 3)
        XCTAssertEqual(list.map(\.outFeatures), [2, 3, 1])
        XCTAssertEqual(list.stateDict().map(\.name), ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"])
    }
}
