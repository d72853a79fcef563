import Foundation
import Models
import NN
import TensorIO
import Torch

/// `gradstyle directions sample`: the data InterFaceGAN fits its boundaries on — random codes in W with the
/// attributes a classifier sees in their images. z ~ N(0, I) from libtorch's seeded generator, w = mapping(z)
/// (optionally truncated), images synthesised with the stored (const) noise, labelled by an `AttributeClassifier`.
/// Writes `w.npy` (N×D float32) and `labels.csv` (`file,<attributes>`, file = the sample index), which
/// `directions fit --latents w.npy --labels labels.csv` reads as they are.
public struct LatentSampling {
    public var count: Int
    public var batch = 16
    /// ψ towards the generator's mean latent (1: none).
    public var truncation = 1.0
    public var quiet = false

    public init(count: Int) { self.count = count }

    public struct Result {
        /// N×D float32 codes (after truncation: the codes the images were made from), on the CPU.
        public let w: Tensor
        /// N×K float32 predictions in label units, on the CPU.
        public let labels: Tensor
        public let attributes: [String]
    }

    public static let latentsName = "w.npy"
    public static let labelsName = "labels.csv"

    public func validate() throws {
        guard count >= 1 else { throw ModelError("the sample count must be at least 1, got \(count)") }
        guard batch >= 1 else { throw ModelError("the batch size must be at least 1, got \(batch)") }
        guard truncation.isFinite else { throw ModelError("the truncation must be a finite number, got \(truncation)") }
    }

    /// The most memory the gathered codes and labels may take (they are held, then copied once into one array).
    public static let maxInMemoryBytes = InMemoryLimit.bytes

    /// Samples and labels `count` codes. The generator and classifier stay where they are (their devices may differ).
    public func run(generator: Generator, classifier: AttributeClassifier) throws -> Result {
        try validate()
        // Refused before sampling: an absurd count would otherwise run for days and then run out of memory.
        let bytesPerCode = 2 * 4 * (generator.styleDim + classifier.attributes.count)
        guard count <= LatentSampling.maxInMemoryBytes / bytesPerCode else {
            throw ModelError("\(count) codes of \(generator.styleDim) values and their labels do not fit in memory: "
                             + "at most \(LatentSampling.maxInMemoryBytes / bytesPerCode)")
        }
        let gDevice = generator.input.input.device
        let cDevice = classifier.head.weight.device
        classifier.eval()
        return withInferenceMode {
            // Without a stored mean latent the truncation centre is estimated first (a fixed number of draws, so
            // the codes that follow still depend only on the seed).
            let center: Tensor? = truncation != 1 && generator.latentAverage == nil ? generator.meanLatent(count: 4096) : nil
            var ws: [Tensor] = [], labels: [Tensor] = []
            let progress = ProgressReporter("sample latents", total: count, unit: "img", quiet: quiet)
            for start in stride(from: 0, to: count, by: batch) {
                let n = Swift.min(batch, count - start)
                // Drawn on the CPU generator so a seed gives the same codes on every device.
                let z = Tensor.randn([n, generator.styleDim]).to(device: gDevice)
                let w = generator.truncate(generator.mapping(z), psi: truncation, center: center)
                let images = generator.synthesis(generator.broadcastLatent(w), noise: .const)
                labels.append(classifier.predict(images.to(device: cDevice)).to(.float32, device: .cpu))
                ws.append(w.to(.float32, device: .cpu))
                progress.advance(by: n)
            }
            progress.finish()
            return Result(w: Tensor.cat(ws, dim: 0).contiguous(), labels: Tensor.cat(labels, dim: 0).contiguous(),
                          attributes: classifier.attributes)
        }
    }

    /// Writes `w.npy` and `labels.csv` into `directory` (created if missing), staged and published together, so a
    /// failure or an interrupt never leaves one without the other, nor new codes beside an older run's labels.
    public static func write(_ result: Result, to directory: URL) throws {
        let n = result.w.size(0), k = result.attributes.count
        precondition(result.labels.shape == [n, k], "LatentSampling.write: labels \(result.labels.shape) for \(n) codes")
        let values = result.labels.floats()
        var csv = (["file"] + result.attributes).joined(separator: ",") + "\n"
        for i in 0..<n {
            csv += ([String(i)] + (0..<k).map { String(format: "%.6g", Double(values[i * k + $0])) }).joined(separator: ",") + "\n"
        }
        _ = try StagingFolder.publish(into: directory) { staging in
            try NPY.write(result.w.hostTensor(as: .float32), to: staging.url(for: latentsName))
            try AtomicFile.write(Data(csv.utf8), to: staging.url(for: labelsName))
        }
    }

    /// Samples, labels and writes into `directory`.
    @discardableResult
    public func run(generator: Generator, classifier: AttributeClassifier, out directory: URL) throws -> Result {
        let result = try run(generator: generator, classifier: classifier)
        try LatentSampling.write(result, to: directory)
        return result
    }
}
