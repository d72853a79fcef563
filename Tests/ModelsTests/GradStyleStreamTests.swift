import XCTest
@testable import Models
import NN
import Torch

final class GradStyleStreamTests: XCTestCase {
    /// A 16² generator with stages 4, 8, 16 and a 16² encoder whose pyramid is at 8, 4, 2 (resized inside the GRM).
    func makeModel(_ edit: (inout GradStyleConfig) -> Void = { _ in }) throws -> GradStyleModel {
        try Self.tinyModel(edit)
    }

    static func tinyModel(_ edit: (inout GradStyleConfig) -> Void = { _ in }) throws -> GradStyleModel {
        Torch.manualSeed(3)
        let g = Generator(GeneratorConfig(size: 16, styleDim: 8, mappingLayers: 1, channels: [4: 8, 8: 8, 16: 8])).eval().freeze()
        let e = TinyEncoder(inputSize: 16, latentCount: g.latentCount, styleDim: 8).eval().freeze()
        var base = GradStyleConfig()
        base.stages = [4, 8, 16]
        base.residualChannels = 8
        base.heads = 2
        base.headDim = 4
        base.selectRatio = 0.25
        edit(&base)
        let config = try GradStyleModel.makeConfig(base, encoder: e, generator: g)
        return GradStyleModel(encoder: e, generator: g, network: try GradStyleNetwork(config), latentAverage: nil)
    }

    func testAlphaZeroReproducesE4EExactly() throws {
        let m = try makeModel()
        let x = Tensor.randn([2, 3, 16, 16])
        let e4e = m.reconstruct(x, useResiduals: false).image
        let rec = m.reconstruct(x)
        XCTAssertEqual(rec.residuals.count, 3)
        XCTAssertEqual(rec.image.floats(), e4e.floats())
        // …and the residuals really are there: with α ≠ 0 the output changes
        for f in m.network.fusions { f.alpha.detach().fill_(1) }
        XCTAssertGreaterThan(Float((m.reconstruct(x).image - e4e).abs().max().item()), 1e-4)
    }

    func testGradientsReachEveryTrainableParameterInEveryConfiguration() throws {
        for fusion in FusionKind.allCases {
            for keySource in KeySource.allCases {
                for attention in AttentionKind.allCases {
                    for (point, position) in [("after_conv0", PositionEncoding.none), ("after_conv1", .none), ("after_conv0", .sinusoidal)] {
                        let m = try makeModel {
                            $0.fusion = fusion
                            $0.keySource = keySource
                            $0.attention = attention
                            $0.injectPoint = point
                            $0.positionEncoding = position
                        }
                        for f in m.network.fusions { f.alpha.detach().fill_(0.5) }
                        let x = Tensor.randn([2, 3, 16, 16])
                        let rec = m.reconstruct(x)
                        let edited = m.edit(rec, editedLatent: rec.latent + Tensor.randn(rec.latent.shape) * 0.3)
                        XCTAssertEqual(edited.image.shape, [2, 3, 16, 16])
                        ((rec.image - x).square().mean() + edited.image.square().mean()).backward()
                        let label = "\(fusion)/\(keySource)/\(attention)/\(point)/\(position)"
                        for (name, p) in m.network.namedParameters() {
                            guard let g = p.grad else { XCTFail("\(label): no gradient for \(name)"); continue }
                            XCTAssertTrue(g.isFinite().all().item() == 1, "\(label): non-finite gradient for \(name)")
                        }
                        XCTAssertTrue(m.generator.parameters().allSatisfy { $0.grad == nil }, "frozen generator got gradients")
                    }
                }
            }
        }
    }

    func testSelectiveAttentionKeepsExactlyKWeightsThatSumToOne() {
        let q = Tensor.randn([2, 3, 10, 4]), k = Tensor.randn([2, 3, 37, 4])
        for topK in [1, 5, 37] {
            let w = SelectiveAttention.weights(queries: q, keys: k, kind: .selective, topK: topK)
            let nonzero = w.gt(0).to(.int64).sum(dim: -1).int64s()
            XCTAssertTrue(nonzero.allSatisfy { $0 == Int64(topK) }, "top-\(topK): \(Set(nonzero))")
            let sums = w.sum(dim: -1).floats()
            XCTAssertTrue(sums.allSatisfy { abs($0 - 1) < 1e-5 })
            // the kept ones are the k largest logits of each row
            let logits = q.matmul(k.transpose(-2, -1))
            let kth = logits.topk(topK, dim: -1).values.narrow(dim: -1, start: topK - 1, length: 1)
            let keptAreLarge = w.gt(0).logicalNot().logicalOr(logits.ge(kth)).all().item()
            XCTAssertEqual(keptAreLarge, 1)
        }
        let full = SelectiveAttention.weights(queries: q, keys: k, kind: .full, topK: 1)
        XCTAssertEqual(full.gt(0).to(.int64).sum().item(), Double(2 * 3 * 10 * 37))
    }

    func testStreamingAttentionEqualsDense() {
        let q = Tensor.randn([1, 2, 50, 8]), k = Tensor.randn([1, 2, 50, 8]), v = Tensor.randn([1, 2, 50, 6])
        for kind in AttentionKind.allCases {
            let dense = SelectiveAttention.weights(queries: q, keys: k, kind: kind, topK: 7).matmul(v)
            let streamed = SelectiveAttention.attend(queries: q, keys: k, values: v, kind: kind, topK: 7, chunk: 8)
            XCTAssertLessThan(Float((dense - streamed).abs().max().item()), 1e-6)
        }
    }

    func testSingleStageBaselineAndStageValidation() throws {
        let m = try makeModel { $0.stages = [16]; $0.attention = .full }
        XCTAssertEqual(m.reconstruct(Tensor.randn([1, 3, 16, 16])).residuals.count, 1)
        XCTAssertThrowsError(try makeModel { $0.stages = [32] }) { XCTAssertTrue("\($0)".contains("32")) }
        XCTAssertThrowsError(try makeModel { $0.stages = [8, 4] })
    }
}

final class GradStyleConfigProbeTests: XCTestCase {
    /// Building a configuration probes the encoder for its feature shapes; that must not touch its batch-norm
    /// running statistics (a frozen e4e drifted by one momentum step towards an all-zero input before this was fixed).
    func testMakeConfigLeavesTheEncoderUnchanged() throws {
        Torch.manualSeed(5)
        let g = Generator(GeneratorConfig(size: 16, styleDim: 16, mappingLayers: 1, channels: [4: 16, 8: 16, 16: 8]))
        let backbone = IRBackboneConfig(units: [1, 1, 1, 1], widths: [8, 8, 16, 16], seReduction: 4)
        let e = FPNStyleEncoder.make(EncoderConfig(type: .e4e, generatorSize: 16, styleDim: 16, backbone: backbone, inputSize: 64))
        for (name, t) in e.stateDict() where name.hasSuffix("running_mean") { t.copy_(Tensor.randn(t.shape)) }
        let before = e.stateDict().map { ($0.name, $0.tensor.clone()) }
        XCTAssertTrue(e.isTraining)
        var base = GradStyleConfig()
        base.stages = [4, 8, 16]
        _ = try GradStyleModel.makeConfig(base, encoder: e, generator: g)
        XCTAssertTrue(e.isTraining, "the mode is restored")
        for ((name, old), (_, now)) in zip(before, e.stateDict()) {
            XCTAssertEqual(old.to(.float64).doubles(), now.to(.float64).doubles(), name)
        }
    }
}

final class ProbeDriftRepairTests: XCTestCase {
    /// The drift is replayed as the pre-fix code did it (a training-mode pass of an all-zero image, once or twice)
    /// and must come back out to float rounding; weights stay bit-identical.
    func testUndoingProbeStepsRestoresTheRunningStatistics() throws {
        for steps in [1, 2] {
            Torch.manualSeed(6)
            let backbone = IRBackboneConfig(units: [1, 1, 1, 1], widths: [8, 8, 16, 16], seReduction: 4)
            let e = FPNStyleEncoder.make(EncoderConfig(type: .e4e, generatorSize: 16, styleDim: 16, backbone: backbone, inputSize: 64))
            // trained-looking statistics: a few real batches
            withNoGrad { for _ in 0..<3 { _ = e.train().encode(Tensor.randn([4, 3, 64, 64])) } }
            e.eval()
            let before = e.stateDict().map { ($0.name, $0.tensor.clone()) }
            withNoGrad { for _ in 0..<steps { _ = e.train().encode(Tensor.zeros([1, 3, 64, 64])) } }
            e.eval()
            let drifted = zip(before, e.stateDict()).map { maxAbsDiff($0.1, $1.tensor.to(.float32)) }.max()!
            XCTAssertGreaterThan(drifted, 1e-3, "the probe moved the statistics")
            try ProbeDriftRepair.undo(e, steps: steps)
            XCTAssertFalse(e.isTraining)
            for ((name, old), (_, now)) in zip(before, e.stateDict()) {
                if name.hasSuffix("num_batches_tracked") {
                    XCTAssertEqual(old.int64s(), now.int64s(), name)
                } else if name.hasSuffix("running_mean") || name.hasSuffix("running_var") {
                    let scale = Swift.max(1, Float(old.abs().max().item()))
                    XCTAssertLessThan(maxAbsDiff(old, now), 2e-5 * scale, "\(steps) step(s): \(name)")
                } else {
                    XCTAssertEqual(old.floats(), now.floats(), name)
                }
            }
        }
    }
}

/// Not a check: with GRADSTYLE_REPAIR_BUNDLE=IN.safetensors:OUT.safetensors, writes OUT = IN's inversion model
/// (encoder, generator, latent_avg; no GradStyle networks) with the encoder's one probe step undone — how the clean
/// e4e of models/default was recovered (MODEL_CARD.md). Skipped otherwise.
final class BundleEncoderRepairWriter: XCTestCase {
    func testWriteRepairedInversionModel() throws {
        guard let spec = ProcessInfo.processInfo.environment["GRADSTYLE_REPAIR_BUNDLE"], spec.contains(":") else {
            throw XCTSkip("set GRADSTYLE_REPAIR_BUNDLE=IN:OUT to write a repaired inversion model")
        }
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        let inversion = try InversionModel.load(URL(fileURLWithPath: parts[0])).eval()
        try ProbeDriftRepair.undo(inversion.encoder, steps: 1)
        try GradStyleBundle.save(inversion: inversion, networks: [:], to: URL(fileURLWithPath: parts[1]))
    }
}
