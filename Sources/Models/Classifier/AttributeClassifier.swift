import Foundation
import NN
import TensorIO
import Torch

/// A small CNN that regresses K continuous attributes from an image: stride-2 blocks of
/// conv3×3 → BatchNorm → LeakyReLU(0.2) (each followed by a stride-1 one at the same width, for capacity at low
/// cost), global average pooling, a linear head. It labels generated samples for InterFaceGAN direction fitting and
/// scores whether edits changed what they should.
///
/// Images are N×3×H×W in [-1, 1]; any size is resized to `config.size` (`resize`: area averaging when
/// down-scaling, so nothing aliases). The head works in standardised units (see `encode` / `decode`);
/// `predict` returns label units. Checkpoint keys: `features.<i>.*` (a Sequential) and `head.*`.
public final class AttributeClassifier: Module {
    /// Metadata key of the JSON config in our safetensors files.
    public static let configKey = "gradstyle.classifier"

    public let config: AttributeClassifierConfig
    public let features: Sequential
    public let head: Linear

    public init(_ config: AttributeClassifierConfig) {
        precondition((try? config.validate()) != nil, "AttributeClassifier: invalid config \(config)")
        self.config = config
        var layers: [any Layer] = []
        var channels = 3
        for width in config.widths {
            for stride in [2, 1] {
                // No conv bias: BatchNorm's shift replaces it.
                layers.append(Conv2d(channels, width, kernelSize: 3, stride: stride, padding: 1, bias: false))
                layers.append(BatchNorm2d(width))
                layers.append(LeakyReLU(negativeSlope: 0.2))
                channels = width
            }
        }
        features = Sequential(layers)
        head = Linear(channels, config.outputCount)
        super.init()
        registerModule("features", features)
        registerModule("head", head)
    }

    public var attributes: [String] { config.attributes }

    /// Images resized to the classifier's input size.
    public func resized(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4 && images.size(1) == 3, "AttributeClassifier: expected N×3×H×W images, got \(images.shape)")
        return AttributeClassifier.resize(images, to: config.size)
    }

    /// NCHW images resized to `size`², as the classifier sees them. Down-scaling averages areas: that is the box
    /// filter the synthetic renderer antialiases with, so a 64² face reduced to 32² looks like a 32² render, and
    /// nothing aliases. Up-scaling is bilinear; a mixed change antialiased bilinear.
    public static func resize(_ images: Tensor, to size: Int) -> Tensor {
        let h = images.size(2), w = images.size(3)
        if h == size && w == size { return images }
        if h >= size && w >= size { return Functional.interpolate(images, size: (size, size), mode: .area) }
        return Functional.interpolate(images, size: (size, size), mode: .bilinear, antialias: h > size || w > size)
    }

    /// Raw outputs (N × outputCount, standardised units) for images of any size.
    public func callAsFunction(_ images: Tensor) -> Tensor {
        head(embedding(images))
    }

    /// The globally pooled features the head reads (N × last width): what distribution distances between image
    /// sets of this domain are measured on.
    public func embedding(_ images: Tensor) -> Tensor {
        features(resized(images).to(head.weight.dtype)).mean(dims: [2, 3])
    }

    /// Predictions in label units, N×K in `attributes` order (circular ones in [0, 1)). Uses the current mode:
    /// call `eval()` first (loaded classifiers are in evaluation mode).
    public func predict(_ images: Tensor) -> Tensor { decode(self(images)) }

    /// Labels (N×K, label units) → regression targets (N × outputCount).
    public func encode(_ labels: Tensor) -> Tensor {
        precondition(labels.rank == 2 && labels.size(1) == attributes.count,
                     "AttributeClassifier.encode: expected N×\(attributes.count) labels, got \(labels.shape)")
        var columns: [Tensor] = []
        for (i, name) in attributes.enumerated() {
            let y = labels.narrow(dim: 1, start: i, length: 1)
            if config.isCircular(name) {
                let angle = y * (2 * Double.pi)
                columns += [angle.cos(), angle.sin()]
            } else {
                columns.append((y - config.means[i]) / config.stds[i])
            }
        }
        return Tensor.cat(columns, dim: 1)
    }

    /// Regression outputs (N × outputCount) → labels (N×K, label units).
    public func decode(_ outputs: Tensor) -> Tensor {
        precondition(outputs.rank == 2 && outputs.size(1) == config.outputCount,
                     "AttributeClassifier.decode: expected N×\(config.outputCount) outputs, got \(outputs.shape)")
        var columns: [Tensor] = []
        var j = 0
        for (i, name) in attributes.enumerated() {
            if config.isCircular(name) {
                let c = outputs.narrow(dim: 1, start: j, length: 1), s = outputs.narrow(dim: 1, start: j + 1, length: 1)
                // atan2 gives (−π, π]; remainder (sign of the divisor) wraps it into [0, 1).
                columns.append((s.atan2(c) / (2 * Double.pi)).remainder(1))
                j += 2
            } else {
                columns.append(outputs.narrow(dim: 1, start: j, length: 1) * config.stds[i] + config.means[i])
                j += 1
            }
        }
        return Tensor.cat(columns, dim: 1)
    }

    // MARK: - Checkpoint

    /// Writes the weights and the config (metadata `gradstyle.classifier`) to a safetensors file, atomically.
    public func save(to url: URL, extraMetadata: [String: String] = [:]) throws {
        var dict = StateDict()
        for (name, t) in stateDict() { dict[name] = t.to(device: .cpu).contiguous().hostTensor() }
        var metadata = extraMetadata
        metadata[Self.configKey] = try StableJSON.string(config)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafeTensors.write(dict, metadata: metadata, to: url)
    }

    /// Reads a classifier written by `save`, strictly (every weight present and shaped as the config says), onto
    /// `device`, in evaluation mode. Errors name the file.
    public static func load(_ url: URL, device: Device = .cpu) throws -> AttributeClassifier {
        let file = try SafeTensorsFile(contentsOf: url)
        guard let json = file.metadata[configKey] else {
            throw TensorIOError(url, "not an attribute classifier: no '\(configKey)' metadata")
        }
        let config: AttributeClassifierConfig
        do {
            config = try JSONDecoder().decode(AttributeClassifierConfig.self, from: Data(json.utf8))
            try config.validate()
        } catch {
            throw TensorIOError(url, "invalid '\(configKey)' metadata: \(error)")
        }
        let classifier = AttributeClassifier(config)
        do {
            let tensors = try file.stateDict().tensors()
            _ = try withTorchErrors { try classifier.loadStateDict(tensors) }
        } catch let e as TensorIOError {
            throw e
        } catch {
            throw TensorIOError(url, "\(error)")
        }
        return classifier.to(device: device).eval()
    }
}
