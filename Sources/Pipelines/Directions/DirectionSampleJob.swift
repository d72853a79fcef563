import Foundation
import Models
import Torch

/// `gradstyle directions sample`: loads a generator and an attribute classifier and runs `LatentSampling` with
/// them into `out` (w.npy + labels.csv).
public struct DirectionSampleJob {
    public var generator: URL
    public var classifier: URL
    public var out: URL
    public var sampling: LatentSampling
    public var device: Device = .cpu

    public init(generator: URL, classifier: URL, out: URL, sampling: LatentSampling) {
        (self.generator, self.classifier, self.out, self.sampling) = (generator, classifier, out, sampling)
    }

    /// What was written, for the one line the verb prints.
    public struct Summary {
        /// The shape of the written codes (N×D).
        public let latentShape: [Int]
        /// The label columns, in order.
        public let attributes: [String]
    }

    public func run() throws -> Summary {
        let g = try GeneratorCheckpoint.load(generator, device: device).generator.eval()
        let c = try AttributeClassifier.load(classifier, device: device)
        let result = try sampling.run(generator: g, classifier: c, out: out)
        return Summary(latentShape: result.w.shape, attributes: c.attributes)
    }
}
