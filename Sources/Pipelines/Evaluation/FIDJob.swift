import Foundation
import Models
import TensorIO
import Torch

/// `gradstyle eval --fid`: FID and KID between two image sets (folders, searched recursively), from the 2048-d
/// pool3 features of the FID Inception (`FIDInceptionV3`, as pytorch-fid). Each image is resized to 299×299 on its
/// own, so the sets may mix sizes. Without `--inception` the network has random weights: the values are then only
/// comparable among runs with the same seed, and the result says so. With an attribute classifier instead
/// (`classifierWeights`), the distances are FD(classifier) and KID on its pooled features (`DistributionFeatures`):
/// the synthetic domain's generator-quality measure, comparable between generators measured the same way.
public struct FIDJob {
    public var realDirectory: URL
    public var fakeDirectory: URL
    /// `pt_inception-2015-12-05-6726825d.pth` or our safetensors; nil = random weights.
    public var inceptionWeights: URL?
    /// An attribute classifier (`train classifier`): measure on its features instead of Inception's.
    public var classifierWeights: URL?
    public var batch = 50
    public var kidSubsets = 100
    public var kidSubsetSize = 1000
    public var json: URL?
    public var device: Device = .cpu
    public var quiet = false
    public var progressOutput: ((String) -> Void)?

    public init(real: URL, fake: URL) {
        realDirectory = real
        fakeDirectory = fake
    }

    public struct Result {
        public let fid: Double
        public let kid: KernelInceptionDistance.Result
        public let realCount: Int
        public let fakeCount: Int
        public let notes: [String]
        public let warnings: [String]
        public let markdown: String
        public let written: [URL]
    }

    public func run() throws -> Result {
        guard batch >= 1 else { throw PipelineError("the batch size must be at least 1, got \(batch)") }
        guard kidSubsets >= 1, kidSubsetSize >= 2 else {
            throw PipelineError("KID needs at least 1 subset of at least 2 images, got \(kidSubsets) × \(kidSubsetSize)")
        }
        try EvalOutput.checkDestinations([json].compactMap { $0 })
        let realFiles = try ImageFiles.list(realDirectory, recursive: true)
        let fakeFiles = try ImageFiles.list(fakeDirectory, recursive: true)
        for (files, dir) in [(realFiles, realDirectory), (fakeFiles, fakeDirectory)] where files.count < 2 {
            throw PipelineError("\(dir.path): FID and KID need at least 2 images, found \(files.count)")
        }
        var warnings: [String] = []
        var notes: [String] = []
        let extractor: DistributionFeatures
        if let classifierWeights {
            extractor = .classifier(try AttributeClassifier.load(classifierWeights, device: device))
        } else if let inceptionWeights {
            extractor = .inception(try FIDInceptionV3.load(inceptionWeights, device: device))
        } else {
            extractor = .inception(FIDInceptionV3().to(device: device))
            warnings.append("the Inception network has RANDOM weights (no --inception): FID/KID are not comparable to published values")
        }
        let progress = ProgressReporter("\(extractor.metricName) features", total: realFiles.count + fakeFiles.count,
                                        unit: "img", quiet: quiet, output: progressOutput)
        let realFeatures = try features(realFiles, extractor, progress)
        let fakeFeatures = try features(fakeFiles, extractor, progress)
        progress.finish()
        let dims = realFeatures.size(1)
        if Swift.min(realFiles.count, fakeFiles.count) < dims {
            notes.append("fewer images than feature dimensions (\(dims)): the covariances are rank-deficient and the Fréchet distance is biased upwards; papers use 50k generated images")
        }
        if case .classifier = extractor { notes.append("features: \(extractor.description)") }
        let fid = try FrechetDistance.compute(features: realFeatures, fakeFeatures)
        let kid = try KernelInceptionDistance.compute(real: realFeatures, fake: fakeFeatures, subsets: kidSubsets,
                                                      maxSubsetSize: kidSubsetSize)
        var written: [URL] = []
        if let json {
            var document: [String: Any] = [
                "real": realDirectory.path, "fake": fakeDirectory.path,
                "real_images": realFiles.count, "fake_images": fakeFiles.count,
                "fid": EvalReport.jsonNumber(fid),
                "kid": ["mean": EvalReport.jsonNumber(kid.mean), "std": EvalReport.jsonNumber(kid.std),
                        "subsets": kid.subsets, "subset_size": kid.subsetSize] as [String: Any],
                "inception_weights": classifierWeights == nil ? (inceptionWeights?.path ?? "random") : "none",
                "classifier_weights": classifierWeights?.path ?? "none",
                "metric": extractor.metricName,
                "notes": notes, "warnings": warnings,
            ]
            document["feature_dimension"] = dims
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
            written = try EvalOutput.writeAll([(data, json)])
        }
        var markdown = "## gradstyle eval --fid (\(extractor.metricName)): \(realFiles.count) real, \(fakeFiles.count) fake image(s)\n\n"
        markdown += "real: \(realDirectory.path)  \nfake: \(fakeDirectory.path)\n\n"
        for warning in warnings { markdown += "**WARNING: \(warning).**\n\n" }
        markdown += "| metric | value |\n|---|---:|\n"
        markdown += "| \(extractor.metricName) ↓ | \(String(format: "%.4f", fid)) |\n"
        markdown += "| KID ↓ (\(extractor.metricName == "FID" ? "Inception" : "classifier") features, × 10³, mean ± std over \(kid.subsets) subsets of \(kid.subsetSize)) | \(String(format: "%.4f ± %.4f", kid.mean * 1000, kid.std * 1000)) |\n"
        if !notes.isEmpty { markdown += "\n" + notes.map { "- \($0)" }.joined(separator: "\n") + "\n" }
        return Result(fid: fid, kid: kid, realCount: realFiles.count, fakeCount: fakeFiles.count, notes: notes,
                      warnings: warnings, markdown: markdown, written: written)
    }

    /// N×D float64 features on the CPU, in batches of up to `batch` images. Inception inputs are resized one by one
    /// to 299² (as the network would), so images of different sizes share a batch; the classifier resizes itself.
    func features(_ files: [URL], _ extractor: DistributionFeatures, _ progress: ProgressReporter) throws -> Tensor {
        var out: [Tensor] = []
        let size = FIDInceptionV3.inputSize
        for start in stride(from: 0, to: files.count, by: batch) {
            let chunk = files[start..<Swift.min(start + batch, files.count)]
            let images = try chunk.map { url -> Tensor in
                let image = try EvalOutput.readImage(url)
                guard case .inception = extractor, image.size(2) != size || image.size(3) != size else { return image }
                return Functional.interpolate(image, size: (size, size), mode: .bilinear, alignCorners: false)
            }
            if case .classifier = extractor, Set(images.map { [$0.size(2), $0.size(3)] }).count > 1 {
                out.append(Tensor.cat(images.map { extractor.features($0, batch: 1) }, dim: 0))
            } else {
                out.append(extractor.features(Tensor.cat(images, dim: 0), batch: chunk.count))
            }
            progress.advance(by: chunk.count)
        }
        return Tensor.cat(out, dim: 0)
    }
}
