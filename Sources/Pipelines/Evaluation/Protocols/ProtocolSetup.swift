import Foundation
import Models
import Torch

/// What both evaluation protocols are given: the model files (several = repeats of the same variants), the
/// held-out set, and the measuring networks' weights. `load` reads them.
public struct ProtocolSetup {
    /// The LPIPS trunk (alex or vgg).
    public typealias LPIPSNet = LPIPSNetwork

    public var models: [URL]
    /// Only these networks (bundle prefixes); e4e is always included.
    public var networks: [String]?
    /// The user's images instead of rendered held-out synthetic faces.
    public var input: URL?
    /// `input` holds photos: align each one's largest face (FFHQ) first and evaluate on the crops.
    public var align = false
    public var count = 64
    /// Rendering seed of the held-out faces (the bundled model was trained on seed 1).
    public var renderSeed: UInt64 = 20_261_125
    /// The attribute classifier; nil: `classifier.safetensors` beside the first model, if present.
    public var classifier: URL?
    public var lpipsWeights: [URL] = []
    public var lpipsNetwork: LPIPSNetwork = .alex
    public var arcface: URL?
    /// FID-Inception weights; without them the classifier's features give a domain Fréchet distance.
    public var inception: URL?
    public var device: Device = .cpu

    public init(models: [URL]) {
        self.models = models
    }

    public func load() throws -> (EvaluatedMethods, HeldOutSet, ProtocolMetrics) {
        let methods = try EvaluatedMethods(bundles: models, only: networks, device: device)
        let set = try input.map {
            align ? try HeldOutSet.alignedPhotos($0, count: count, inputSize: methods.inputSize, resolution: methods.resolution)
                : try HeldOutSet.folder($0, count: count, inputSize: methods.inputSize, resolution: methods.resolution)
        } ?? HeldOutSet.synthetic(count: count, seed: renderSeed, inputSize: methods.inputSize, resolution: methods.resolution)
        var metrics = ProtocolMetrics()
        let classifierURL = classifier ?? models[0].deletingLastPathComponent().appendingPathComponent("classifier.safetensors")
        if classifier != nil || FileManager.default.fileExists(atPath: classifierURL.path) {
            metrics.classifier = try AttributeClassifier.load(classifierURL, device: device)
        }
        if !lpipsWeights.isEmpty {
            metrics.lpips = LPIPSDistance(model: try LPIPS.load(network: lpipsNetwork, files: lpipsWeights, device: device))
        }
        if let arcface { metrics.identity = try ArcFaceEmbedder.load(arcface, device: device) }
        if let inception {
            metrics.distribution = .inception(try FIDInceptionV3.load(inception, device: device))
        } else if let c = metrics.classifier {
            metrics.distribution = .classifier(c)
        }
        return (methods, set, metrics)
    }

    /// What was compared, for the report's header; `command` is the command line that ran it.
    public func header(_ methods: EvaluatedMethods, command: String) -> [String] {
        var lines = ["Models: " + models.map(\.path).joined(separator: ", ") + "."]
        for m in methods.methods {
            lines.append("\(m.name) (\(m.repeats.count) repeat\(m.repeats.count == 1 ? "" : "s")): \(m.summary)")
        }
        lines.append("Command: " + command)
        return lines
    }
}
