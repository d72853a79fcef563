import XCTest
@testable import Models
import NN
import Torch

/// The Editing Stream's answer where nothing moved (GRADSTYLE.md, "what the first implementation taught us"):
/// with the motion gate, the 0σ edit is the reconstruction by construction, in every configuration.
final class AlignerPathTests: XCTestCase {
    /// A model whose fusions and GRMs are active (α ≠ 0), so a wrong alignment would show in the image.
    func activeModel(_ edit: (inout GradStyleConfig) -> Void) throws -> GradStyleModel {
        let m = try GradStyleStreamTests.tinyModel(edit)
        for f in m.network.fusions { f.alpha.detach().fill_(0.7) }
        return m
    }

    func testMotionGateReproducesTheReconstructionAtZeroEdit() throws {
        for keySource in KeySource.allCases {
            for (window, from) in [(nil, 0), (3, 8), (5, 4)] as [(Int?, Int)] {
                let m = try activeModel {
                    $0.alignerPath = .motionGate
                    $0.keySource = keySource
                    $0.window = window
                    $0.windowFrom = from
                }
                let x = Tensor.randn([2, 3, 16, 16])
                let rec = m.reconstruct(x)
                let edited = m.edit(rec, editedLatent: rec.latent)
                let label = "\(keySource) window \(window.map(String.init) ?? "global") from \(from)"
                XCTAssertEqual(edited.image.floats(), rec.image.floats(), label)
                for (a, r) in zip(edited.alignedResiduals, rec.residuals) { XCTAssertEqual(a.floats(), r.floats(), label) }
                // …and it is not the e4e image (the residuals are in it)
                XCTAssertGreaterThan(maxAbsDiff(edited.image, m.reconstruct(x, useResiduals: false).image), 1e-4, label)
            }
        }
    }

    /// The first design does not have this property: its 0σ output differs from the reconstruction.
    func testAttentionPathDoesNotReproduceTheReconstruction() throws {
        let m = try activeModel { $0.alignerPath = .attention }
        let x = Tensor.randn([2, 3, 16, 16])
        let rec = m.reconstruct(x)
        XCTAssertGreaterThan(maxAbsDiff(m.edit(rec, editedLatent: rec.latent).image, rec.image), 1e-4)
    }

    func testMotionGateIsZeroExactlyWhereFeaturesAgreeAndOpensWhereTheyDiffer() {
        Torch.manualSeed(11)
        let a = Aligner(channels: 8, heads: 2, headDim: 4, attention: .full, keySource: .residual, path: .motionGate)
        let f = Tensor.randn([1, 8, 6, 6])
        var moved = f.clone()
        moved = moved + Tensor.randn([1, 8, 6, 6]) * WindowAttentionTests.columnMask(width: 6, column: 2, channels: 8)
        let g = a.gate(query: moved, reconstruction: f)
        // columns 0 and 5 are farther than the 3×3 conv's reach from the changed column 2 → exactly 0
        for col in [0, 5] { XCTAssertEqual(g.narrow(dim: 3, start: col, length: 1).abs().max().item(), 0, "column \(col)") }
        XCTAssertGreaterThan(g.narrow(dim: 3, start: 2, length: 1).max().item(), 0)
        XCTAssertTrue(g.lt(1).all().item() == 1 && g.ge(0).all().item() == 1)
    }

    func testScalarGateStartsAtTheUnalignedResidual() throws {
        let m = try activeModel { $0.alignerPath = .scalarGate }
        let x = Tensor.randn([1, 3, 16, 16])
        let rec = m.reconstruct(x)
        let edited = m.edit(rec, editedLatent: rec.latent + Tensor.randn(rec.latent.shape) * 0.5)
        for (a, r) in zip(edited.alignedResiduals, rec.residuals) { XCTAssertEqual(a.floats(), r.floats()) }
    }

    func testGradientsReachEveryParameterOfEveryPath() throws {
        for path in AlignerPath.allCases {
            for (window, position) in [(nil, PositionEncoding.none), (3, .relative), (3, .none)] as [(Int?, PositionEncoding)] {
                let m = try activeModel {
                    $0.alignerPath = path
                    $0.window = window
                    $0.windowFrom = 8
                    $0.positionEncoding = position
                }
                // scalar gate: move γ off 0, or the attention branch has no gradient by design
                for gam in m.network.gams { for b in gam.blocks { b.gamma?.detach().fill_(0.5) } }
                let x = Tensor.randn([2, 3, 16, 16])
                let rec = m.reconstruct(x)
                let edited = m.edit(rec, editedLatent: rec.latent + Tensor.randn(rec.latent.shape) * 0.3)
                ((rec.image - x).square().mean() + (edited.image - x).square().mean()).backward()
                let label = "\(path) window \(window.map(String.init) ?? "global") \(position)"
                for (name, p) in m.network.namedParameters() {
                    guard let g = p.grad else { XCTFail("\(label): no gradient for \(name)"); continue }
                    XCTAssertTrue(g.isFinite().all().item() == 1, "\(label): non-finite gradient for \(name)")
                }
                let names = m.network.namedParameters().map(\.name)
                XCTAssertEqual(names.contains { $0.hasSuffix("motion_gate.weight") }, path == .motionGate, label)
                XCTAssertEqual(names.contains { $0.hasSuffix(".gamma") }, path == .scalarGate, label)
                XCTAssertEqual(names.contains { $0.hasSuffix("relative_bias") }, position == .relative && window != nil, label)
            }
        }
    }

    /// Bundles written before the option have no `alignerPath`/`window`: they decode as the first design.
    func testConfigWithoutTheNewKeysDecodesAsTheFirstDesign() throws {
        var c = GradStyleConfig()
        c.alignerPath = nil
        c.window = nil
        c.windowFrom = nil
        let json = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        XCTAssertFalse(json.contains("alignerPath") || json.contains("windowFrom"), json)
        let decoded = try JSONDecoder().decode(GradStyleConfig.self, from: Data(json.utf8))
        XCTAssertEqual(decoded.path, .attention)
        XCTAssertNil(decoded.window(atStage: 64))
        XCTAssertEqual(GradStyleConfig().path, .motionGate)
    }

    func testWindowValidation() throws {
        for bad in [2, -3, 65] {
            var c = GradStyleConfig()
            c.window = bad
            XCTAssertThrowsError(try c.validate(), "window \(bad)")
        }
        var c = GradStyleConfig()
        c.positionEncoding = .relative
        c.window = nil
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("relative")) }
    }
}
