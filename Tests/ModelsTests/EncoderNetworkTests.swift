import Foundation
import XCTest
@testable import Models
import NN
import TensorIO
import Torch

/// Shapes, style counts, key layouts and configuration handling of the pSp / e4e encoders.
final class EncoderNetworkTests: XCTestCase {
    /// A small backbone: two units per stage, widths 4-8-16-32.
    func smallBackbone() throws -> IRBackboneConfig {
        try IRBackboneConfig.depth(18, widthMultiplier: 1.0 / 16, seReduction: 4)
    }

    func testStyleCountsFollowTheGeneratorSize() {
        let expected = [4: 2, 8: 4, 16: 6, 32: 8, 64: 10, 128: 12, 256: 14, 512: 16, 1024: 18]
        for (size, count) in expected {
            XCTAssertEqual(EncoderConfig.styleCount(generatorSize: size), count, "size \(size)")
            XCTAssertEqual(GeneratorConfig(size: size).latentCount, count, "generator agrees at \(size)")
        }
    }

    func testCodeAndPyramidShapesForEveryGeneratorSize() throws {
        Torch.manualSeed(1)
        let x = Tensor.randn([2, 3, 64, 64])
        for type in EncoderType.allCases {
            for size in [64, 128, 256, 512, 1024] {
                let config = EncoderConfig(type: type, generatorSize: size, styleDim: 16, backbone: try smallBackbone(),
                                           inputSize: 64)
                let encoder = FPNStyleEncoder.make(config).eval()
                XCTAssertEqual(encoder.latentCount, EncoderConfig.styleCount(generatorSize: size))
                let out = withInferenceMode { encoder.encode(x) }
                XCTAssertEqual(out.codes.shape, [2, encoder.latentCount, 16], "\(type) \(size)")
                let p = out.pyramid
                XCTAssertEqual(p.c1.shape, [2, 8, 16, 16])
                XCTAssertEqual(p.c2.shape, [2, 16, 8, 8])
                XCTAssertEqual(p.c3.shape, [2, 32, 4, 4])
                XCTAssertEqual(p.p2.shape, [2, 32, 8, 8])
                XCTAssertEqual(p.p1.shape, [2, 32, 16, 16])
                XCTAssertEqual(p.feature(atResolution: 8)?.shape, [2, 32, 8, 8])
            }
        }
    }

    func testPyramidAtTheOfficialInputSize() throws {
        // Reference geometry at 256²: c1 64²/128, c2 32²/256, c3 16²/512 (here at 1/16 width), p2 32², p1 64².
        let config = EncoderConfig(type: .e4e, generatorSize: 256, styleDim: 8,
                                   backbone: try IRBackboneConfig.depth(50, widthMultiplier: 1.0 / 16, seReduction: 4))
        let encoder = Encoder4Editing(config).eval()
        let out = withInferenceMode { encoder.encode(Tensor.randn([1, 3, 256, 256])) }
        XCTAssertEqual(out.pyramid.c1.shape, [1, 8, 64, 64])
        XCTAssertEqual(out.pyramid.c2.shape, [1, 16, 32, 32])
        XCTAssertEqual(out.pyramid.c3.shape, [1, 32, 16, 16])
        XCTAssertEqual(out.pyramid.p2.shape, [1, 32, 32, 32])
        XCTAssertEqual(out.pyramid.p1.shape, [1, 32, 64, 64])
        XCTAssertEqual(out.codes.shape, [1, 14, 8])
        // The map2style blocks: 4 convs for 16², 5 for 32², 6 for 64² (as GradualStyleBlock(512, 512, 16/32/64)).
        XCTAssertEqual(encoder.styles[0].convs.count, 8)
        XCTAssertEqual(encoder.styles[3].convs.count, 10)
        XCTAssertEqual(encoder.styles[7].convs.count, 12)
    }

    /// "name shape" lines written from the reference modules' state_dict() (Fixtures/README.md).
    func referenceKeys(_ name: String) throws -> [String] {
        try String(contentsOf: fixture(name), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func keys(_ module: Module, prefix: String = "") -> [String] {
        module.stateDict().map { "\(prefix)\($0.name) \($0.tensor.shape.map(String.init).joined(separator: ","))" }
    }

    func testOfficialE4EKeyLayoutMatchesTheReference() throws {
        // Encoder4Editing(50, 'ir_se') for a 1024² generator: names, order and shapes of the official checkpoints.
        let encoder = Encoder4Editing(.official(.e4e, generatorSize: 1024))
        assertSameLines(keys(encoder, prefix: "encoder."), try referenceKeys("keys_e4e_irse50_1024.txt"))
    }

    func testOfficialPSpKeyLayoutMatchesTheReference() throws {
        let encoder = GradualStyleEncoder(.official(.psp, generatorSize: 256))
        assertSameLines(keys(encoder, prefix: "encoder."), try referenceKeys("keys_psp_irse50_256.txt"))
    }

    func testDepth100And152UnitTables() throws {
        for (depth, units) in [(100, [3, 13, 30, 3]), (152, [3, 8, 36, 3])] {
            let b = try IRBackboneConfig.depth(depth, widthMultiplier: 1.0 / 16, seReduction: 4)
            XCTAssertEqual(b.units, units)
            XCTAssertEqual(b.depth, depth)
            let body = IRBackbone.body(b)
            XCTAssertEqual(body.count, units.reduce(0, +))
            let config = EncoderConfig(type: .psp, generatorSize: 64, styleDim: 8, backbone: b, inputSize: 64)
            let encoder = GradualStyleEncoder(config).eval()
            let out = withInferenceMode { encoder.encode(Tensor.randn([1, 3, 64, 64])) }
            XCTAssertEqual(out.codes.shape, [1, 10, 8])
            XCTAssertEqual(out.pyramid.c3.shape, [1, 32, 4, 4])
            var named: [String: Tensor] = [:]
            for (k, v) in encoder.stateDict() { named[k] = v }
            XCTAssertEqual(try EncoderCheckpoint.inferConfig(named, type: .psp), config)
        }
    }

    func testBottleneckShortcuts() {
        // Same width: MaxPool2d(1, stride) subsampling (no weights); new width: strided 1×1 conv + BN.
        let keep = BottleneckIR(inChannels: 4, depth: 4, stride: 2, squeezeExcitation: true, seReduction: 2)
        XCTAssertTrue(keep.child("shortcut_layer") is MaxPool2d)
        XCTAssertFalse(keep.stateDict().contains { $0.name.hasPrefix("shortcut_layer") })
        let widen = BottleneckIR(inChannels: 4, depth: 8, stride: 2, squeezeExcitation: false)
        XCTAssertEqual(widen.stateDict().filter { $0.name.hasPrefix("shortcut_layer") }.map(\.name),
                       ["shortcut_layer.0.weight", "shortcut_layer.1.weight", "shortcut_layer.1.bias",
                        "shortcut_layer.1.running_mean", "shortcut_layer.1.running_var",
                        "shortcut_layer.1.num_batches_tracked"])
        keep.eval()
        let x = Tensor.randn([1, 4, 6, 6])
        let viaPool = Functional.maxPool2d(x, kernel: (1, 1), stride: (2, 2))
        // With zeroed residual weights the unit is its shortcut.
        withNoGrad { for p in keep.parameters() { p.zero_() } }
        XCTAssertEqual(keep(x).floats(), viaPool.floats())
    }

    func testProgressiveStagesEnableDeltasInOrder() throws {
        Torch.manualSeed(3)
        let config = EncoderConfig(type: .e4e, generatorSize: 64, styleDim: 8, backbone: try smallBackbone(), inputSize: 64)
        let e4e = Encoder4Editing(config).eval()
        let x = Tensor.randn([2, 3, 64, 64])
        func codes(_ stage: ProgressiveStage) -> Tensor {
            e4e.progressiveStage = stage
            return withInferenceMode { e4e(x) }
        }
        let w0 = codes(.wTraining)
        for i in 1..<10 { XCTAssertEqual(w0.select(dim: 1, index: i).floats(), w0.select(dim: 1, index: 0).floats()) }
        let stage4 = codes(.delta(4))
        XCTAssertEqual(e4e.activeDeltaCount, 4)
        for i in 0..<10 {
            let same = stage4.select(dim: 1, index: i).floats() == w0.select(dim: 1, index: 0).floats()
            XCTAssertEqual(same, i == 0 || i > 4, "entry \(i)")
        }
        let all = codes(.inference)
        XCTAssertEqual(e4e.activeDeltaCount, 9)
        XCTAssertEqual(all.floats(), codes(.delta(17)).floats())
        XCTAssertEqual(ProgressiveStage.inference.description, "Inference")
        XCTAssertEqual(ProgressiveStage.delta(3).description, "Delta3Training")
    }

    func testConfigJSONRoundTripAndInference() throws {
        for type in EncoderType.allCases {
            let config = EncoderConfig(type: type, generatorSize: 32, styleDim: 8, backbone: try smallBackbone(),
                                       inputSize: 64)
            let data = try JSONEncoder().encode(config)
            XCTAssertEqual(try JSONDecoder().decode(EncoderConfig.self, from: data), config)
            var named: [String: Tensor] = [:]
            for (k, v) in FPNStyleEncoder.make(config).stateDict() { named[k] = v }
            XCTAssertEqual(try EncoderCheckpoint.inferConfig(named, type: type), config)
        }
        XCTAssertEqual(EncoderType(referenceName: "Encoder4Editing"), .e4e)
        XCTAssertEqual(EncoderType(referenceName: "GradualStyleEncoder"), .psp)
        XCTAssertNil(EncoderType(referenceName: "BackboneEncoderUsingLastLayerIntoW"))
    }

    /// `styleBlockWidth`: the map2style convs at their own width, the linear layer from it to the style dim. The
    /// references' width (the style dim) is stored as nil, so their configurations and JSON are unchanged.
    func testNarrowStyleBlocks() throws {
        let config = EncoderConfig(type: .e4e, generatorSize: 64, styleDim: 8, backbone: try smallBackbone(),
                                   inputSize: 64, styleBlockWidth: 4)
        let encoder = FPNStyleEncoder.make(config).eval()
        let block = encoder.styles[7]  // p1 at 16²: four stride-2 convs
        let shapes = Dictionary(uniqueKeysWithValues: block.stateDict().map { ($0.name, $0.tensor.shape) })
        XCTAssertEqual(shapes["convs.0.weight"], [4, config.pyramidChannels, 3, 3])
        XCTAssertEqual(shapes["convs.6.weight"], [4, 4, 3, 3])
        XCTAssertNil(shapes["convs.8.weight"])
        XCTAssertEqual(shapes["linear.weight"], [8, 4])
        // Parameters counted from the layer shapes: 9·in·h + h, three times 9·h·h + h, then h·out + out.
        let c = config.pyramidChannels
        XCTAssertEqual(block.parameterCount, 9 * c * 4 + 4 + 3 * (9 * 4 * 4 + 4) + 4 * 8 + 8)
        let codes = withInferenceMode { encoder(Tensor.randn([2, 3, 64, 64])) }
        XCTAssertEqual(codes.shape, [2, 10, 8])

        XCTAssertEqual(try JSONDecoder().decode(EncoderConfig.self, from: try JSONEncoder().encode(config)), config)
        var named: [String: Tensor] = [:]
        for (k, v) in encoder.stateDict() { named[k] = v }
        XCTAssertEqual(try EncoderCheckpoint.inferConfig(named, type: .e4e), config)

        let reference = EncoderConfig(type: .e4e, generatorSize: 64, styleDim: 8, backbone: try smallBackbone(),
                                      inputSize: 64, styleBlockWidth: 8)
        XCTAssertNil(reference.styleBlockWidth)
        let json = String(decoding: try JSONEncoder().encode(reference), as: UTF8.self)
        XCTAssertFalse(json.contains("styleBlockWidth"), json)
        var bad = config
        bad.styleBlockWidth = 0
        XCTAssertThrowsError(try bad.validate())
    }

    func testLatentDiscriminatorKeys() {
        // e4e's LatentCodesDiscriminator(512, 4): Linear/LeakyReLU pairs, then Linear(512, 1).
        let d = LatentCodesDiscriminator()
        XCTAssertEqual(keys(d), ["mlp.0.weight 512,512", "mlp.0.bias 512", "mlp.2.weight 512,512", "mlp.2.bias 512",
                                 "mlp.4.weight 512,512", "mlp.4.bias 512", "mlp.6.weight 1,512", "mlp.6.bias 1"])
        XCTAssertEqual(d(Tensor.randn([3, 512])).shape, [3, 1])
    }

    func testInvalidConfigurationsAreRejected() throws {
        XCTAssertThrowsError(try IRBackboneConfig.depth(34))
        XCTAssertThrowsError(try IRBackboneConfig.depth(50, widthMultiplier: 1.0 / 32))  // SE leaves 0 channels at width 2
        XCTAssertNoThrow(try IRBackboneConfig.depth(50, widthMultiplier: 1.0 / 32, seReduction: 2))
        var c = EncoderConfig.official(.psp)
        c.inputSize = 100
        XCTAssertThrowsError(try c.validate())
        c.inputSize = 16
        XCTAssertThrowsError(try c.validate())
        XCTAssertNoThrow(try EncoderConfig.official(.e4e).validate())
    }
}

/// Equal lists, reporting the first difference rather than both lists.
func assertSameLines(_ a: [String], _ b: [String], file: StaticString = #filePath, line: UInt = #line) {
    if let i = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
        XCTFail("line \(i): '\(a[i])' vs reference '\(b[i])'", file: file, line: line)
    } else if a.count != b.count {
        XCTFail("\(a.count) lines vs reference \(b.count)", file: file, line: line)
    }
}
