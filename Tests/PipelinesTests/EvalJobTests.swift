import Foundation
import ImageIO
import Models
@testable import Pipelines
import Torch
import XCTest

/// `gradstyle eval` end to end on small generated image folders.
final class EvalJobTests: XCTestCase {
    var dir: URL!
    var pred: URL!
    var target: URL!

    override func setUpWithError() throws {
        dir = try MetricTestData.temporaryDirectory("eval")
        pred = try MetricTestData.folder(dir, "pred")
        target = try MetricTestData.folder(dir, "target")
        Torch.manualSeed(0)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func quietJob() -> EvalJob {
        var job = EvalJob(pred: pred, target: target)
        job.quiet = true
        return job
    }

    func testPairsByStemComputesAndWritesEverything() throws {
        for i in 0..<3 {
            try MetricTestData.writeImage(target, "\(i).png", width: 48, height: 40, seed: i)
            try MetricTestData.writeImage(pred, "\(i).png", width: 48, height: 40, seed: i + 10)
        }
        // Same stem, other format and size: paired and resized (with a note).
        try MetricTestData.writeImage(target, "big.png", width: 64, height: 64, seed: 5)
        try MetricTestData.writeImage(pred, "big.jpg", width: 32, height: 32, seed: 5)
        // Unpaired on both sides.
        try MetricTestData.writeImage(pred, "extra.png", width: 48, height: 40, seed: 7)
        try MetricTestData.writeImage(target, "lonely.png", width: 48, height: 40, seed: 8)
        // Identical pair: PSNR +∞, SSIM 1, LPIPS 0.
        try MetricTestData.writeImage(target, "same.png", width: 48, height: 40, seed: 3)
        try MetricTestData.writeImage(pred, "same.png", width: 48, height: 40, seed: 3)

        var job = quietJob()
        job.csv = dir.appendingPathComponent("per-image.csv")
        job.json = dir.appendingPathComponent("eval.json")
        let result = try job.run()

        XCTAssertEqual(result.rows.map(\.pair.name), ["0", "1", "2", "big", "same"])
        XCTAssertEqual(result.unpairedPred.map(\.lastPathComponent), ["extra.png"])
        XCTAssertEqual(result.unpairedTarget.map(\.lastPathComponent), ["lonely.png"])
        XCTAssertTrue(result.rows[3].resized)
        XCTAssertTrue(result.notes.contains { $0.contains("resized") && $0.contains("big") })
        XCTAssertTrue(result.notes.contains { $0.contains("MS-SSIM skipped for 5 pair(s)") })
        XCTAssertTrue(result.warnings.contains { $0.contains("RANDOM") })
        XCTAssertEqual(result.lpipsWeights, "random")

        let same = result.rows[4].values
        XCTAssertEqual(same[.psnr], .infinity)
        XCTAssertEqual(same[.ssim]!, 1, accuracy: 1e-12)
        XCTAssertEqual(same[.lpips]!, 0, accuracy: 1e-7)
        XCTAssertEqual(same[.mse], 0)
        XCTAssertNil(same[.msssim])

        // The per-image values are the metric functions' values.
        let p0 = try ImageTensors.read(pred.appendingPathComponent("0.png"))
        let t0 = try ImageTensors.read(target.appendingPathComponent("0.png"))
        XCTAssertEqual(result.rows[0].values[.mse]!, try MeanSquaredError.perImage(p0, t0)[0], accuracy: 1e-15)
        XCTAssertEqual(result.rows[0].values[.ssim]!, try SSIM.perImage(p0, t0)[0], accuracy: 1e-15)
        let mseSummary = result.summaries[.mse]!
        XCTAssertEqual(mseSummary.count, 5)
        XCTAssertEqual(mseSummary.mean, result.rows.map { $0.values[.mse]! }.reduce(0, +) / 5, accuracy: 1e-15)

        // CSV: header + 5 rows, empty MS-SSIM cells, inf PSNR.
        let csv = try String(contentsOf: job.csv!, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(csv[0], "name,pred,target,mse,psnr,ssim,ms-ssim,lpips,resized")
        XCTAssertEqual(csv.count, 6)
        XCTAssertTrue(csv[4].hasPrefix("big,big.jpg,big.png,") && csv[4].hasSuffix(",1"), csv[4])
        XCTAssertTrue(csv[5].contains(",inf,"), csv[5])
        XCTAssertEqual(csv[1].split(separator: ",", omittingEmptySubsequences: false).count, 9)

        // JSON: parses, has the summary, the per-image values and the notes.
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: job.json!)) as! [String: Any]
        XCTAssertEqual(document["pairs"] as? Int, 5)
        let summary = document["summary"] as! [String: Any]
        XCTAssertEqual((summary["mse"] as! [String: Any])["n"] as? Int, 5)
        XCTAssertEqual((summary["psnr"] as! [String: Any])["mean"] as? String, "inf")
        XCTAssertEqual((document["images"] as! [[String: Any]]).count, 5)
        XCTAssertEqual(document["unpaired_pred"] as? [String], ["extra.png"])
        XCTAssertEqual((document["lpips"] as! [String: Any])["weights"] as? String, "random")

        // Markdown: table, interval kind, warning, notes.
        XCTAssertTrue(result.markdown.contains("| MSE ↓ |"))
        XCTAssertTrue(result.markdown.contains("Student t"))
        XCTAssertTrue(result.markdown.contains("WARNING: LPIPS uses RANDOM weights"))
        XCTAssertTrue(result.markdown.contains("lonely.png"))
    }

    func testMetricsSelectionAndIdentityEmbedder() throws {
        try MetricTestData.writeImage(target, "a.png", width: 40, height: 40, seed: 1)
        try MetricTestData.writeImage(pred, "a.png", width: 40, height: 40, seed: 2)
        try MetricTestData.writeImage(target, "b.png", width: 40, height: 40, seed: 3)
        try MetricTestData.writeImage(pred, "b.png", width: 40, height: 40, seed: 3)
        var job = quietJob()
        job.metrics = try EvalMetric.parseList("psnr,id")
        XCTAssertThrowsError(try job.run()) { XCTAssertTrue("\($0)".contains("needs an identity network"), "\($0)") }

        // Mean colour as a 3-d "identity": equal for identical images.
        job.identityEmbedder = ClosureIdentityEmbedder { $0.mean(dims: [2, 3]) + 2 }
        let result = try job.run()
        XCTAssertEqual(result.metrics, [.psnr, .id])
        XCTAssertEqual(result.rows[1].values[.id]!, 1, accuracy: 1e-12)
        XCTAssertLessThan(result.rows[0].values[.id]!, 1)
        XCTAssertNil(result.rows[0].values[.lpips])
        XCTAssertTrue(result.warnings.isEmpty)
        XCTAssertThrowsError(try EvalMetric.parseList("mse,fid")) { XCTAssertTrue("\($0)".contains("unknown metric 'fid'")) }
        XCTAssertEqual(try EvalMetric.parseList("msssim, MSE"), [.msssim, .mse])
    }

    func testCorruptImageFailsWithOneLineErrorAndNoOutputs() throws {
        try MetricTestData.writeImage(target, "a.png", width: 40, height: 40, seed: 1)
        try MetricTestData.writeImage(pred, "a.png", width: 40, height: 40, seed: 2)
        try MetricTestData.writeImage(target, "b.png", width: 40, height: 40, seed: 3)
        try Data("not an image".utf8).write(to: pred.appendingPathComponent("b.png"))
        var job = quietJob()
        job.csv = dir.appendingPathComponent("out.csv")
        job.json = dir.appendingPathComponent("out.json")
        XCTAssertThrowsError(try job.run()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(self.pred.appendingPathComponent("b.png").path), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertEqual(MetricTestData.files(dir), ["pred", "target"], "no partial output files")
    }

    func testInputProblemsAreReportedBeforeWork() throws {
        var job = quietJob()
        XCTAssertThrowsError(try job.run()) { XCTAssertTrue("\($0)".contains("no image names"), "\($0)") }
        try MetricTestData.writeImage(target, "a.png", width: 40, height: 40, seed: 1)
        try MetricTestData.writeImage(target, "a.jpg", width: 40, height: 40, seed: 1)
        try MetricTestData.writeImage(pred, "a.png", width: 40, height: 40, seed: 1)
        XCTAssertThrowsError(try job.run()) { XCTAssertTrue("\($0)".contains("same name"), "\($0)") }
        try FileManager.default.removeItem(at: target.appendingPathComponent("a.jpg"))
        job.csv = dir.appendingPathComponent("missing-folder/out.csv")
        XCTAssertThrowsError(try job.run()) { XCTAssertTrue("\($0)".contains("does not exist"), "\($0)") }
        job.csv = nil
        job.predDirectory = dir.appendingPathComponent("nope")
        XCTAssertThrowsError(try job.run()) { XCTAssertTrue("\($0)".contains("no such folder"), "\($0)") }
    }

    func testLPIPSWeightFilesAreUsedAndReported() throws {
        try MetricTestData.writeImage(target, "a.png", width: 40, height: 40, seed: 1)
        try MetricTestData.writeImage(pred, "a.png", width: 40, height: 40, seed: 2)
        let weights = dir.appendingPathComponent("lpips.safetensors")
        try LPIPS(network: .vgg).save(to: weights)
        var job = quietJob()
        job.metrics = [.lpips]
        job.lpipsNetwork = .vgg
        job.lpipsWeights = [weights]
        let result = try job.run()
        XCTAssertTrue(result.warnings.isEmpty)
        XCTAssertEqual(result.lpipsWeights, weights.path)
        XCTAssertNotNil(result.rows[0].values[.lpips])
        job.lpipsNetwork = .alex
        XCTAssertThrowsError(try job.run()) { XCTAssertTrue("\($0)".contains("lpips.safetensors"), "\($0)") }
    }

    func testFIDAndKIDOnSmallFolders() throws {
        let real = try MetricTestData.folder(dir, "real"), fake = try MetricTestData.folder(dir, "fake")
        let nested = try MetricTestData.folder(real, "nested")
        for i in 0..<3 { try MetricTestData.writeImage(i == 2 ? nested : real, "r\(i).png", width: 32, height: 32, seed: i) }
        for i in 0..<3 { try MetricTestData.writeImage(fake, "f\(i).png", width: 24 + 8 * i, height: 32, seed: 40 + i) }
        var job = FIDJob(real: real, fake: fake)
        job.quiet = true
        job.batch = 2
        job.json = dir.appendingPathComponent("fid.json")
        Torch.manualSeed(11)
        let result = try job.run()
        XCTAssertEqual(result.realCount, 3)
        XCTAssertEqual(result.fakeCount, 3)
        XCTAssertTrue(result.fid.isFinite && result.fid > 0)
        XCTAssertEqual(result.kid.subsetSize, 3)
        XCTAssertTrue(result.warnings.contains { $0.contains("RANDOM") })
        XCTAssertTrue(result.markdown.contains("| FID ↓ |"))
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: job.json!)) as! [String: Any]
        XCTAssertEqual(document["inception_weights"] as? String, "random")
        XCTAssertEqual(document["fid"] as! Double, result.fid, accuracy: 1e-12 * max(1, result.fid))

        // A set against itself: FID 0 (up to round-off).
        var same = FIDJob(real: real, fake: real)
        same.quiet = true
        Torch.manualSeed(11)
        XCTAssertEqual(try same.run().fid, 0, accuracy: 1e-6)

        var tooFew = FIDJob(real: real, fake: try MetricTestData.folder(dir, "empty"))
        tooFew.quiet = true
        XCTAssertThrowsError(try tooFew.run()) { XCTAssertTrue("\($0)".contains("at least 2 images"), "\($0)") }
    }

    /// `--fid --classifier`: FD(classifier) and KID on the classifier's pooled features of each set, the classifier
    /// resizing every image itself (so mixed sizes are fine); against a direct computation from
    /// `AttributeClassifier.embedding` and the Fréchet formula, and 0 for a set against itself.
    func testFrechetDistanceOnClassifierFeatures() throws {
        let real = try MetricTestData.folder(dir, "real"), fake = try MetricTestData.folder(dir, "fake")
        for i in 0..<4 { try MetricTestData.writeImage(real, "r\(i).png", width: 32, height: 32, seed: i) }
        for i in 0..<4 { try MetricTestData.writeImage(fake, "f\(i).png", width: 16 + 8 * i, height: 32, seed: 40 + i) }
        Torch.manualSeed(5)
        let classifier = AttributeClassifier(AttributeClassifierConfig(size: 16, widths: [4, 6]))
        let weights = dir.appendingPathComponent("classifier.safetensors")
        try classifier.save(to: weights)
        var job = FIDJob(real: real, fake: fake)
        job.quiet = true
        job.batch = 3
        job.classifierWeights = weights
        job.json = dir.appendingPathComponent("fd.json")
        let result = try job.run()
        XCTAssertTrue(result.warnings.isEmpty, "\(result.warnings)")
        XCTAssertTrue(result.markdown.contains("| FD(classifier) ↓ |"), result.markdown)

        let loaded = try AttributeClassifier.load(weights)
        func direct(_ folder: URL) throws -> Tensor {
            let files = try ImageFiles.list(folder, recursive: true)
            return Tensor.cat(try files.map { url in
                let image = try EvalOutput.readImage(url)
                return withInferenceMode { loaded.embedding(image).to(.float64) }
            }, dim: 0)
        }
        let a = try direct(real), b = try direct(fake)
        let expected = try FrechetDistance.compute(FeatureStatistics(features: a), FeatureStatistics(features: b))
        XCTAssertGreaterThan(expected, 0)
        XCTAssertEqual(result.fid, expected, accuracy: 1e-9 * max(1, expected))
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: job.json!)) as! [String: Any]
        XCTAssertEqual(document["metric"] as? String, "FD(classifier)")
        XCTAssertEqual(document["classifier_weights"] as? String, weights.path)

        var same = FIDJob(real: fake, fake: fake)
        same.quiet = true
        same.classifierWeights = weights
        XCTAssertEqual(try same.run().fid, 0, accuracy: 1e-9)
    }
}
