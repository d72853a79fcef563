import Foundation
import Models
import NN
@testable import Pipelines
import TensorIO
import Torch
import XCTest

/// The reconstruction and editing protocols on a tiny bundle, checked against direct computations.
final class EvaluationProtocolTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("protocols-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Two bundles (repeats) with `gradstyle` and `single_stage`, non-zero fusion so residuals matter.
    func makeBundles() throws -> [URL] {
        try (0..<2).map { r in
            let (model, inversion) = try makeTinyGradStyle(seed: 7)  // same encoder and generator in both
            Torch.manualSeed(100 + UInt64(r))
            let network = try GradStyleNetwork(model.network.config)
            let single = try GradStyleNetwork(try GradStyleModel.makeConfig(.singleStage(stage: 16), encoder: inversion.encoder,
                                                                              generator: inversion.generator))
            for f in Array(network.fusions) + Array(single.fusions) { f.alpha.detach().fill_(0.5) }
            let url = dir.appendingPathComponent("seed\(r).safetensors")
            try GradStyleBundle.save(inversion: inversion, networks: ["gradstyle": network.eval(), "single_stage": single.eval()], to: url)
            return url
        }
    }

    func testMethodsOrderAndRepeats() throws {
        let urls = try makeBundles()
        let methods = try EvaluatedMethods(bundles: urls)
        XCTAssertEqual(methods.methods.map(\.name), ["e4e", "single-stage", "gradstyle"])
        XCTAssertEqual(methods.methods.map(\.repeats.count), [2, 2, 2])
        XCTAssertEqual(methods.methods[2].sources, urls)
        XCTAssertEqual(try EvaluatedMethods(bundles: urls, only: ["gradstyle"]).methods.map(\.name), ["e4e", "gradstyle"])
        XCTAssertThrowsError(try EvaluatedMethods(bundles: urls, only: ["nope"])) {
            XCTAssertTrue("\($0)".contains("seed0.safetensors") && "\($0)".contains("nope"), "\($0)")
        }
    }

    /// An encoder's inversion model alone (what `train encoder` writes) is measured as the e4e row, matching the
    /// e4e row of a bundle on the same encoder and generator.
    func testAnInversionModelAloneGivesTheE4ERow() throws {
        let urls = try makeBundles()
        let (_, inversion) = try makeTinyGradStyle(seed: 7)
        let alone = dir.appendingPathComponent("e4e.safetensors")
        try inversion.save(to: alone)
        let methods = try EvaluatedMethods(bundles: [alone])
        XCTAssertEqual(methods.methods.map(\.name), ["e4e"])
        let set = try HeldOutSet.synthetic(count: 2, seed: 5, inputSize: methods.inputSize, resolution: methods.resolution)
        var job = ReconstructionProtocol(methods: methods, set: set, metrics: ProtocolMetrics())
        job.quiet = true
        var fromBundle = ReconstructionProtocol(methods: try EvaluatedMethods(bundles: [urls[0]], only: ["gradstyle"]), set: set,
                                                metrics: ProtocolMetrics())
        fromBundle.quiet = true
        let (results, _) = try job.run()
        let (bundleResults, _) = try fromBundle.run()
        XCTAssertEqual(results.rows.map(\.keys), [["e4e"]])
        // Image quality only: a timing column would differ between any two runs.
        func quality(_ rows: [(keys: [String], values: [String: Double])]) -> [[String: Double]] {
            rows.filter { $0.keys[0] == "e4e" }.map { $0.values.filter { $0.key.contains("PSNR") || $0.key.contains("SSIM") || $0.key == "MSE" } }
        }
        XCTAssertEqual(quality(results.imageRows).count, 2)
        XCTAssertFalse(quality(results.imageRows)[0].isEmpty)
        XCTAssertEqual(quality(results.imageRows), quality(bundleResults.imageRows))
        XCTAssertThrowsError(try EvaluatedMethods(bundles: [alone], only: ["gradstyle"])) {
            XCTAssertTrue("\($0)".contains("e4e.safetensors") && "\($0)".contains("gradstyle"), "\($0)")
        }
    }

    func testReconstructionMatchesDirectComputation() throws {
        let urls = try makeBundles()
        let methods = try EvaluatedMethods(bundles: urls)
        let set = try HeldOutSet.synthetic(count: 3, seed: 99, inputSize: methods.inputSize, resolution: methods.resolution)
        XCTAssertEqual(set.targets.shape, [3, 3, 16, 16])
        var job = ReconstructionProtocol(methods: methods, set: set, metrics: ProtocolMetrics())
        job.quiet = true
        job.batch = 2  // batches must not change the result
        let (results, sheets) = try job.run()
        XCTAssertEqual(results.rows.map(\.keys), [["e4e"], ["single-stage"], ["gradstyle"]])
        XCTAssertEqual(results.imageRows.count, 3 * 2 * 3)
        XCTAssertEqual(sheets.map(\.0), ["source", "e4e", "single-stage", "gradstyle"])
        // gradstyle repeat 1, by hand: PSNR = 10 log10(1 / mean((a − b)² / 4))
        let model = methods.methods[2].repeats[1].gradstyle!
        let image = withInferenceMode { model.reconstruct(set.inputs).image }
        let d = ((image - set.targets) * 0.5).square().mean(dims: [1, 2, 3]).doubles()
        let psnr = d.map { 10 * log10(1 / $0) }
        let cell = results.row(["gradstyle"])!.cells["PSNR"]!
        XCTAssertEqual(cell.repeats[1], psnr.reduce(0, +) / 3, accuracy: 1e-4)
        XCTAssertEqual(cell.spreadKind, .seeds)
        // two different networks: the seed spread is the sample std of the two repeat means
        let m = cell.repeats
        XCTAssertEqual(cell.spread!, abs(m[0] - m[1]) / 2.0.squareRoot(), accuracy: 1e-9)
        // e4e: identical repeats, zero spread; face PSNR is the PSNR over the face mask
        XCTAssertEqual(results.row(["e4e"])!.cells["PSNR"]!.spread!, 0, accuracy: 1e-9)
        XCTAssertNotNil(results.row(["e4e"])!.cells["face PSNR"])
        XCTAssertNotNil(results.row(["e4e"])!.cells["MS-SSIM"], "small images are upscaled for MS-SSIM")
        XCTAssertTrue(results.notes.contains { $0.contains("LPIPS not measured") })
    }

    func testEditingControlAndTruth() throws {
        let urls = try makeBundles()
        let methods = try EvaluatedMethods(bundles: [urls[0]])
        let set = try HeldOutSet.synthetic(count: 2, seed: 5, inputSize: methods.inputSize, resolution: methods.resolution)
        var library = DirectionLibrary(styleDim: methods.styleDim)
        try library.add(name: "smile", vector: Tensor.ones([1, 16]) / 4)
        Torch.manualSeed(3)
        let classifier = AttributeClassifier(AttributeClassifierConfig(size: 16, widths: [4], attributes: ["smile", "age"])).eval()
        let flat = ClosureIdentityEmbedder { $0.reshape([$0.size(0), -1]) }
        var job = EditingProtocol(methods: methods, set: set, metrics: ProtocolMetrics(identity: flat, classifier: classifier),
                                  library: library, sigma: ["smile": 0.5])
        job.strengths = [0, 1]
        job.referenceCount = 4
        job.quiet = true
        let (results, sheets) = try job.run()
        XCTAssertEqual(Set(results.rows.map { $0.keys[1] }), ["0σ", "+1σ", "-1σ", "±1σ"])
        // e4e at 0σ is its own inversion: no change at all, and what it keeps is its reconstruction outside the mouth
        let control = results.row(["smile", "0σ", "e4e"])!
        XCTAssertEqual(control.cells[EditingProtocol.changeColumn]!.mean, 0, accuracy: 1e-9)
        XCTAssertEqual(control.cells["entanglement"]!.mean, 0, accuracy: 1e-9)
        let e4e = methods.methods[0].repeats[0].inversion
        let rec = withInferenceMode { e4e.generator.synthesis(e4e.latents(set.inputs)) }
        let keep = 1 - Tensor.cat((0..<2).map { set.mask(.mouth, image: $0)! }, dim: 0)
        let kept = ProtocolMetrics.maskedPSNR(rec, set.targets, keep: keep)
        XCTAssertEqual(control.cells["kept PSNR"]!.mean, kept.reduce(0, +) / 2, accuracy: 1e-4)
        // identity kept: cosine of the flattened images, the mouth taken from the source (by hand)
        let pasted = (rec * keep + set.targets * (1 - keep)).doubles(), target = set.targets.doubles()
        let d = pasted.count / 2
        let cosines = (0..<2).map { n -> Double in
            let a = pasted[(n * d)..<((n + 1) * d)], b = target[(n * d)..<((n + 1) * d)]
            let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
            return dot / (a.reduce(0) { $0 + $1 * $1 }.squareRoot() * b.reduce(0) { $0 + $1 * $1 }.squareRoot())
        }
        XCTAssertEqual(control.cells["ID"]!.mean, cosines.reduce(0, +) / 2, accuracy: 1e-5)
        // gradstyle +1σ: the edit is the Editing Stream on w + 0.5·n; Δ intended is the classifier's change
        let gradstyle = methods.methods[2].repeats[0].gradstyle!
        let (before, after) = withInferenceMode { () -> (Tensor, Tensor) in
            let r = gradstyle.reconstruct(set.inputs)
            let y = gradstyle.edit(r, editedLatent: r.latent + Tensor.ones([1, 1, 16]) / 4 * 0.5).image
            return (classifier.predict(r.image), classifier.predict(y))
        }
        let change = (after - before).doubles().enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        XCTAssertEqual(results.row(["smile", "+1σ", "gradstyle"])!.cells[EditingProtocol.changeColumn]!.mean,
                       change.reduce(0, +) / 2, accuracy: 1e-4)
        XCTAssertNotNil(results.row(["smile", "+1σ", "gradstyle"])!.cells["truth PSNR"])
        XCTAssertNotNil(results.row(["all", "±1σ", "gradstyle"]))
        XCTAssertEqual(sheets["smile"]!.map(\.0), ["source", "e4e", "single-stage", "gradstyle", "truth"])
        // a report folder with every file
        let report = ProtocolReport(name: "editing", results: results, charted: [EditingProtocol.changeColumn, "kept PSNR"],
                                    sheets: [("smile", sheets["smile"]!)])
        let written = try report.write(to: dir.appendingPathComponent("report"))
        for name in ["editing.md", "editing_summary.csv", "editing_images.csv", "editing.json", "index.html",
                     "editing_kept_psnr.svg", "editing_delta_intended.svg"] {
            XCTAssertTrue(written.contains { $0.lastPathComponent == name }, name)
        }
    }

    /// Loaded models are for inference: an image's result must not depend on the other images of its batch (with
    /// batch norm in training mode it did, for `edit`).
    func testLoadedModelsAreBatchIndependent() throws {
        let url = try makeBundles()[0]
        Torch.manualSeed(2)
        let x = Tensor.rand([2, 3, 64, 64]) * 2 - 1
        for name in [InversionMethod.Name.gradstyle, .singleStage, .e4e] {
            let method = try InversionMethod.load(url, name: name)
            XCTAssertFalse(method.inversion.encoder.isTraining, "\(method)")
            let together = method.invert(x).image
            let alone = method.invert(x[0..<1]).image
            XCTAssertLessThan(Float((together[0..<1] - alone).abs().max().item()), 1e-5, "\(method)")
        }
    }

    func testCounterfactualValues() {
        XCTAssertEqual(CounterfactualTruth.value(attribute: .eyeglasses, trueValue: 0, measuredChange: 0.2, editedPrediction: 0.7), 1)
        XCTAssertEqual(CounterfactualTruth.value(attribute: .eyeglasses, trueValue: 1, measuredChange: 0.2, editedPrediction: 0.3), 0)
        XCTAssertEqual(CounterfactualTruth.value(attribute: .hairHue, trueValue: 0.9, measuredChange: 0.25, editedPrediction: 0), 0.15, accuracy: 1e-12)
        XCTAssertEqual(CounterfactualTruth.value(attribute: .hairHue, trueValue: 0.1, measuredChange: -0.25, editedPrediction: 0), 0.85, accuracy: 1e-12)
        XCTAssertEqual(CounterfactualTruth.value(attribute: .smile, trueValue: 0.8, measuredChange: 0.5, editedPrediction: 0), 1)
        XCTAssertEqual(CounterfactualTruth.value(attribute: .age, trueValue: 0.5, measuredChange: -0.2, editedPrediction: 0), 0.3, accuracy: 1e-12)
    }

    func testTruthWithoutChangeIsTheSource() throws {
        // the counterfactual of a zero change is the rendering of the face itself
        let set = try HeldOutSet.synthetic(count: 2, seed: 11, inputSize: 32, resolution: 24)
        let samples = set.samples!
        let same = CounterfactualTruth.render(samples, attribute: .smile, values: samples.map(\.attributes.smile), size: 24)
        XCTAssertEqual((same - set.targets).abs().max().item(), 0)
        let moved = CounterfactualTruth.render(samples, attribute: .smile, values: samples.map { $0.attributes.smile > 0 ? -1 : 1 }, size: 24)
        // only the mouth zone changes
        let outside = 1 - Tensor.cat((0..<2).map { set.mask(.mouth, image: $0)! }, dim: 0)
        XCTAssertEqual(((moved - set.targets) * outside).abs().max().item(), 0)
        XCTAssertGreaterThan((moved - set.targets).abs().max().item(), 0.1)
        let reference = CounterfactualTruth.attributeReference(attribute: .smile, positive: true, count: 3, seed: 4, size: 24)
        XCTAssertEqual(reference?.shape, [3, 3, 24, 24])
        XCTAssertNil(CounterfactualTruth.attributeReference(attribute: .hairHue, positive: true, count: 3, seed: 4, size: 24))
    }

    func testTruthMemoMatchesDirectRenders() throws {
        // the memo hands back, in order, what rendering each face at its value gives, whether remembered or new
        let set = try HeldOutSet.synthetic(count: 4, seed: 12, inputSize: 32, resolution: 24)
        let samples = set.samples!
        let memo = CounterfactualTruth.Memo(samples: samples, attribute: .eyeglasses, size: 24)
        for values in [[0.0, 1, 0, 1], [1.0, 1, 0, 0], [0.0, 1, 0, 1]] {
            let direct = CounterfactualTruth.render(samples, attribute: .eyeglasses, values: values, size: 24)
            XCTAssertEqual((memo.images(values: values) - direct).abs().max().item(), 0, "\(values)")
        }
        // a NaN value (the classifier read NaN) is asked for twice: the second time it is remembered, not lost
        let smiles = CounterfactualTruth.Memo(samples: samples, attribute: .smile, size: 24)
        let withNaN = [Double.nan, 0.5, -0.5, Double.nan]
        let direct = CounterfactualTruth.render(samples, attribute: .smile, values: withNaN, size: 24)
        for _ in 0..<2 {
            let images = smiles.images(values: withNaN)
            XCTAssertEqual(images.shape, [4, 3, 24, 24])
            XCTAssertEqual((images[1..<3] - direct[1..<3]).abs().max().item(), 0)
        }
        let glasses = CounterfactualTruth.render(samples, attribute: .eyeglasses, values: [1, 1, 1, 1], size: 24)
        let none = CounterfactualTruth.render(samples, attribute: .eyeglasses, values: [0, 0, 0, 0], size: 24)
        XCTAssertGreaterThan((glasses - none).abs().max().item(), 0.1, "the two values must render differently for the test to mean anything")
    }

    func testMaskedPSNRAndPasting() {
        Torch.manualSeed(1)
        let a = Tensor.rand([2, 3, 5, 5]) * 2 - 1, b = Tensor.rand([2, 3, 5, 5]) * 2 - 1
        let keep = Tensor((0..<50).map { $0 % 3 == 0 ? Float(1) : 0 }, shape: [2, 1, 5, 5])
        let got = ProtocolMetrics.maskedPSNR(a, b, keep: keep)
        let av = a.doubles(), bv = b.doubles(), kv = keep.doubles()
        for n in 0..<2 {
            var sum = 0.0, count = 0.0
            for c in 0..<3 { for p in 0..<25 where kv[n * 25 + p] == 1 {
                let i = (n * 3 + c) * 25 + p
                sum += pow((av[i] - bv[i]) / 2, 2)
                count += 1
            } }
            XCTAssertEqual(got[n], 10 * log10(count / sum), accuracy: 1e-6)
        }
        let pasted = ProtocolMetrics.pasting(a, from: b, where: keep)
        XCTAssertEqual(((pasted - b) * keep).abs().max().item(), 0)
        XCTAssertEqual(((pasted - a) * (1 - keep)).abs().max().item(), 0)
        XCTAssertEqual(try ProtocolMetrics.msssim(a, a).first!, 1, accuracy: 1e-5)
    }
}
