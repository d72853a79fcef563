import Foundation
import TensorIO
import Torch

/// Loading and saving generators in every layout users have:
/// - rosinality `.pt` (`{g_ema, latent_avg, …}`),
/// - pSp / e4e / HFGI `.pt` (`{state_dict: {decoder.*, encoder.*}, latent_avg, opts}`),
/// - NVIDIA stylegan2-ada-pytorch generator state dicts (`.pt` or `.safetensors`),
/// - our own `.safetensors` (rosinality names, `latent_avg`, config in the metadata).
public enum GeneratorCheckpoint {
    /// Metadata key holding the JSON `GeneratorConfig` in our safetensors files.
    public static let configKey = "gradstyle.generator"

    public struct Loaded {
        public let generator: Generator
        /// Where the truncation centre came from (`latent_avg`, `mapping.w_avg`, or nil when absent).
        public let latentAverageSource: String?
        /// The layout the weights were found in.
        public let layout: String
    }

    /// Reads the generator's tensors (rosinality names) and its mean latent from any supported checkpoint.
    public static func readWeights(_ file: CheckpointFile) throws -> (tensors: [String: Tensor], latentAverage: (Tensor, String)?, layout: String) {
        var layout = "rosinality"
        var tensors: [String: Tensor]
        var latentAverage: (Tensor, String)? = nil
        let keys = file.topLevelKeys
        if keys.contains("g_ema") {
            tensors = try file.hostTensors(under: "g_ema").tensors()
        } else if keys.contains("state_dict") {
            layout = "pSp/e4e"
            tensors = try file.hostTensors(under: "state_dict").selecting(prefix: "decoder.").tensors()
            guard !tensors.isEmpty else {
                throw TensorIOError(file.url, "checkpoint has a state_dict but no 'decoder.*' generator weights")
            }
        } else if keys.contains("decoder") {
            tensors = try file.hostTensors(under: "decoder").tensors()
        } else {
            tensors = try file.hostTensors().tensors()
            tensors["latent_avg"] = nil
        }
        if let avg = try file.tensor("latent_avg") { latentAverage = (Tensor(avg), "latent_avg") }
        if NVIDIANaming.isNVIDIA(tensors.keys) {
            layout = "NVIDIA stylegan2-ada"
            let converted = try NVIDIANaming.toRosinality(tensors)
            tensors = converted.tensors
            if latentAverage == nil, let w = converted.wAverage { latentAverage = (w, "mapping.w_avg") }
        }
        return (tensors, latentAverage, layout)
    }

    /// The generator's shape from rosinality-named tensors.
    public static func inferConfig(_ t: [String: Tensor], lrMapping: Double = 0.01, convClamp: Double? = nil) throws -> GeneratorConfig {
        guard let constant = t["input.input"], constant.rank == 4 else {
            throw ModelError("no 'input.input' constant: this is not a StyleGAN2 generator")
        }
        guard let mod = t["conv1.conv.modulation.weight"], mod.rank == 2 else {
            throw ModelError("no 'conv1.conv.modulation.weight': this is not a StyleGAN2 generator")
        }
        let styleDim = mod.size(1)
        var mappingLayers = 0
        while t["style.\(mappingLayers + 1).weight"] != nil { mappingLayers += 1 }
        var channels = [4: constant.size(1)]
        var blocks = 0
        while let w = t["convs.\(2 * blocks).conv.weight"] {
            guard w.rank == 5 else { throw ModelError("convs.\(2 * blocks).conv.weight has shape \(w.shape), expected 5 dims") }
            channels[8 << blocks] = w.size(1)
            blocks += 1
        }
        let config = GeneratorConfig(size: 4 << blocks, styleDim: styleDim, mappingLayers: mappingLayers,
                                     channels: channels, lrMapping: lrMapping, convClamp: convClamp)
        try config.validate()
        return config
    }

    /// Loads a generator from any supported file onto `device`. Strict: every weight must be present and shaped
    /// as the inferred architecture expects (errors name the file and the keys).
    public static func load(_ url: URL, device: Device = .cpu, convClamp: Double? = nil) throws -> Loaded {
        try load(try CheckpointFile(url), device: device, convClamp: convClamp)
    }

    /// The same from a file already opened (its bytes are not read again).
    public static func load(_ file: CheckpointFile, device: Device = .cpu, convClamp: Double? = nil) throws -> Loaded {
        let url = file.url
        var (tensors, latentAverage, layout): ([String: Tensor], (Tensor, String)?, String)
        do { (tensors, latentAverage, layout) = try readWeights(file) } catch let e as ModelError { throw TensorIOError(url, e.message) }
        var config: GeneratorConfig
        if let json = file.metadata[configKey] {
            do {
                config = try JSONDecoder().decode(GeneratorConfig.self, from: Data(json.utf8))
            } catch {
                throw TensorIOError(url, "invalid \(configKey) metadata: \(error)")
            }
            try config.validate()
            layout = "gradstyle"
        } else {
            do { config = try inferConfig(tensors) } catch let e as ModelError { throw TensorIOError(url, e.message) }
        }
        if let convClamp { config.convClamp = convClamp }
        let generator = Generator(config)
        // Checkpoints written by older rosinality code lack the blur kernels; ours are the same fixed filters.
        for (name, tensor) in generator.stateDict() where tensors[name] == nil && name.hasSuffix(".kernel") {
            tensors[name] = tensor
        }
        do {
            try withTorchErrors { try generator.loadStateDict(tensors) }
        } catch {
            throw TensorIOError(url, "\(error)")
        }
        generator.to(device: device)
        if let (avg, _) = latentAverage {
            generator.latentAverage = avg.to(.float32, device: device)
        }
        return Loaded(generator: generator, latentAverageSource: latentAverage?.1, layout: layout)
    }

    /// Saves in our format: rosinality names, `latent_avg` when known, the config as JSON metadata.
    public static func save(_ generator: Generator, to url: URL, extraMetadata: [String: String] = [:]) throws {
        var dict = StateDict()
        for (name, t) in generator.stateDict() { dict[name] = t.to(device: .cpu).contiguous().hostTensor() }
        if let avg = generator.latentAverage { dict["latent_avg"] = avg.to(device: .cpu).contiguous().hostTensor() }
        var metadata = extraMetadata
        metadata[configKey] = try StableJSON.string(generator.config)
        try SafeTensors.write(dict, metadata: metadata, to: url)
    }
}
