import Foundation
import Models
import NN
import Pipelines
import TensorIO
import Torch
import XCTest

/// A bundle converted to float16 storage (`gradstyle bundle convert --storage float16`) loads into the same float32
/// modules: every weight is exactly libtorch's own float16 rounding of the float32 weight (an independent
/// implementation of round-to-nearest-even), the model computes exactly what the float32 model computes with
/// weights so rounded, and its images stay within a stated tolerance of the float32 bundle's.
final class Float16BundleLoadingTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fp16-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// The images of a float16 bundle differ from the float32 bundle's by at most this (images span [-1, 1]):
    /// each weight moves by ≤ 2⁻¹¹ of itself, about 5e-4, and the tiny random networks below amplify that a few
    /// times at most; measured 1.6e-3 (GradStyle) and 1.3e-3 (HFGI).
    static let imageTolerance: Float = 5e-3

    func maxDifference(_ a: Tensor, _ b: Tensor) -> Float { Float((a - b).abs().max().item()) }

    /// Rounds every floating-point parameter and buffer of `modules` to float16 and back, with libtorch.
    func roundWeightsToFloat16(_ modules: [Module]) {
        withNoGrad {
            for module in modules {
                for (_, t) in module.stateDict() where t.dtype == .float32 { t.copy_(t.to(.float16).to(.float32)) }
            }
        }
    }

    /// Asserts that every tensor of `loaded` equals the same tensor of `reference` exactly.
    func assertSameWeights(_ loaded: [Module], _ reference: [Module], file: StaticString = #filePath, line: UInt = #line) {
        for (l, r) in zip(loaded, reference) {
            let expected = Dictionary(uniqueKeysWithValues: r.stateDict().map { ($0.name, $0.tensor) })
            for (name, t) in l.stateDict() {
                guard let e = expected[name] else { XCTFail("\(name) missing", file: file, line: line); continue }
                XCTAssertEqual(t.dtype, e.dtype, name, file: file, line: line)
                XCTAssertEqual(t.to(.float64).doubles(), e.to(.float64).doubles(), name, file: file, line: line)
            }
        }
    }

    func convert(_ url: URL) throws -> URL {
        let half = dir.appendingPathComponent("half.safetensors")
        let summary = try BundleJob(bundle: url, operation: .convert, output: half, storage: .float16).run()
        XCTAssertEqual(summary.storage, .float16)
        let stored = try SafeTensorsFile(contentsOf: half)
        XCTAssertTrue(stored.entries.allSatisfy { $0.scalarType == .float16 || $0.scalarType == .int64 })
        XCTAssertTrue(stored.entries.contains { $0.scalarType == .int64 }, "the batch-norm counters stay int64")
        return half
    }

    func testGradStyleBundle() throws {
        let (model, inversion) = try makeTinyGradStyle(seed: 3)
        let full = dir.appendingPathComponent("full.safetensors")
        try GradStyleBundle.save(inversion: inversion, networks: ["gradstyle": model.network], to: full)
        let half = try convert(full)

        let (a, b, rounded) = (try GradStyleBundle.load(full), try GradStyleBundle.load(half), try GradStyleBundle.load(full))
        let modules = { (m: GradStyleModel) -> [Module] in [m.encoder, m.generator, m.network] }
        roundWeightsToFloat16(modules(rounded))
        rounded.latentAverage = rounded.latentAverage!.to(.float16).to(.float32)
        assertSameWeights(modules(b), modules(rounded))
        XCTAssertEqual(b.latentAverage!.doubles(), rounded.latentAverage!.doubles())
        XCTAssertGreaterThan(maxDifference(b.latentAverage!, a.latentAverage!), 0, "the weights did change")

        Torch.manualSeed(1)
        let x = Tensor.rand([2, 3, 64, 64]) * 2 - 1
        let (imageA, imageB, imageR) = withNoGrad { (a.reconstruct(x).image, b.reconstruct(x).image, rounded.reconstruct(x).image) }
        XCTAssertEqual(imageB.dtype, .float32)
        XCTAssertLessThanOrEqual(maxDifference(imageB, imageR), 1e-6, "the same weights give the same images")
        let difference = maxDifference(imageB, imageA)
        print("float16 vs float32 GradStyle bundle: max image difference \(difference)")
        XCTAssertLessThanOrEqual(difference, Self.imageTolerance)
    }

    func testHFGIModelFile() throws {
        let model = try HFGITrainingTests.model()
        let full = dir.appendingPathComponent("hfgi.safetensors")
        try model.save(to: full)
        let half = try convert(full)

        let (a, b, rounded) = (try HFGIModel.load(full).eval(), try HFGIModel.load(half).eval(), try HFGIModel.load(full).eval())
        let modules = { (m: HFGIModel) -> [Module] in [m.inversion, m.residue, m.gridAlign] }
        roundWeightsToFloat16(modules(rounded))
        assertSameWeights(modules(b), modules(rounded))

        Torch.manualSeed(2)
        let x = Tensor.rand([2, 3, a.inputSize, a.inputSize]) * 2 - 1
        let (imageA, imageB, imageR) = withNoGrad {
            (a.reconstruct(x).result.image, b.reconstruct(x).result.image, rounded.reconstruct(x).result.image)
        }
        XCTAssertLessThanOrEqual(maxDifference(imageB, imageR), 1e-6, "the same weights give the same images")
        let difference = maxDifference(imageB, imageA)
        print("float16 vs float32 HFGI model file: max image difference \(difference)")
        XCTAssertLessThanOrEqual(difference, Self.imageTolerance)
    }
}
