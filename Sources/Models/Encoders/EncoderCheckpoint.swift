import Foundation
import NN
import TensorIO
import Torch

/// Reading pSp / e4e encoders from every layout users have:
/// - pSp / e4e / HFGI training outputs `{state_dict: {encoder.*, decoder.*, …}, latent_avg, opts}` (`.pt`);
/// - our `.safetensors` (`encoder.*` with the config as JSON under `configKey` in the metadata);
/// - a bare encoder state dict (`input_layer.*`, `body.*`, `styles.*`, …), with or without the `encoder.` prefix.
///
/// pSp and e4e encoders have the same keys, so the type comes from our metadata, from `opts.encoder_type`, or from
/// the caller; the rest of the shape (depth, widths, style count and width, input size) is inferred from the
/// tensor shapes.
public enum EncoderCheckpoint {
    /// Metadata key holding the JSON `EncoderConfig` in our safetensors files.
    public static let configKey = "gradstyle.encoder"

    public struct Weights {
        /// Encoder tensors without the `encoder.` prefix.
        public var tensors: [String: Tensor]
        public var config: EncoderConfig
        /// Where the weights were found ("pSp/e4e", "gradstyle", "state dict").
        public var layout: String
        /// Notes for the user (e.g. HFGI's residual modules present but unused).
        public var notes: [String]
    }

    /// The encoder's tensors and configuration in `file`. `type` decides pSp vs e4e when the file does not say.
    public static func read(_ file: CheckpointFile, type: EncoderType? = nil) throws -> Weights {
        let url = file.url
        var notes: [String] = []
        var tensors: [String: Tensor]
        var layout: String
        let keys = file.topLevelKeys
        var opts: TensorIO.PickleValue? = nil
        if keys.contains("state_dict") {
            layout = "pSp/e4e"
            let all = try file.hostTensors(under: "state_dict")
            tensors = all.selecting(prefix: "encoder.").tensors()
            let extras = Set(all.names.compactMap { $0.split(separator: ".").first.map(String.init) })
                .subtracting(["encoder", "decoder"]).sorted()
            if extras.contains("residue") || extras.contains("grid_align") {
                layout = "HFGI"
                notes.append("HFGI checkpoint: its residual modules (\(extras.joined(separator: ", "))) are not used by the e4e baseline")
            }
            opts = try file.value("opts")
        } else if keys.contains("encoder") {
            layout = file.metadata[configKey] != nil ? "gradstyle" : "encoder state dict"
            tensors = try file.hostTensors(under: "encoder").tensors()
        } else {
            layout = "encoder state dict"
            tensors = try file.hostTensors().tensors()
        }
        guard tensors["input_layer.0.weight"] != nil, tensors["styles.0.linear.weight"] != nil else {
            if tensors["input_layer.0.weight"] != nil, tensors["linear.weight"] != nil {
                throw TensorIOError(url, "this is a single-code encoder (BackboneEncoderUsingLastLayerIntoW); only GradualStyleEncoder (pSp) and Encoder4Editing (e4e) are supported")
            }
            throw TensorIOError(url, "no pSp/e4e encoder weights (expected 'encoder.input_layer.*', 'encoder.styles.*')")
        }

        var config: EncoderConfig
        if let json = file.metadata[configKey] {
            do {
                config = try JSONDecoder().decode(EncoderConfig.self, from: Data(json.utf8))
            } catch {
                throw TensorIOError(url, "invalid \(configKey) metadata: \(error)")
            }
            if let type, type != config.type {
                throw TensorIOError(url, "the file holds a \(config.type.rawValue) encoder, not \(type.rawValue)")
            }
        } else {
            let resolved = try resolveType(opts: opts, override: type, url: url)
            var startFromAvg = (try file.tensor("latent_avg")) != nil
            if let flag = opts?["start_from_latent_avg"]?.boolValue { startFromAvg = flag }
            do {
                config = try inferConfig(tensors, type: resolved, startFromLatentAvg: startFromAvg)
            } catch let e as ModelError {
                throw TensorIOError(url, e.message)
            }
        }
        do { try config.validate() } catch let e as ModelError { throw TensorIOError(url, e.message) }
        return Weights(tensors: tensors, config: config, layout: layout, notes: notes)
    }

    /// pSp vs e4e from `opts.encoder_type`, checked against the caller's choice.
    static func resolveType(opts: TensorIO.PickleValue?, override: EncoderType?, url: URL) throws -> EncoderType {
        guard let name = opts?["encoder_type"]?.stringValue else {
            if let override { return override }
            throw TensorIOError(url, "cannot tell pSp from e4e (no opts.encoder_type in the file): give the encoder type (psp or e4e)")
        }
        guard let found = EncoderType(referenceName: name) else {
            throw TensorIOError(url, "encoder type '\(name)' is not supported: only GradualStyleEncoder (pSp) and Encoder4Editing (e4e)")
        }
        if let override, override != found {
            throw TensorIOError(url, "the file's encoder is \(name) (\(found.rawValue)), not \(override.rawValue)")
        }
        return found
    }

    /// The configuration that fits encoder tensors (names without `encoder.`).
    public static func inferConfig(_ t: [String: Tensor], type: EncoderType, startFromLatentAvg: Bool = true) throws -> EncoderConfig {
        func shape(_ key: String, rank: Int) throws -> [Int] {
            guard let s = t[key]?.shape else { throw ModelError("missing '\(key)'") }
            guard s.count == rank else { throw ModelError("'\(key)' has shape \(s), expected \(rank) dimensions") }
            return s
        }
        let backbone = try IRBackbone.inferConfig(t)
        var styleCount = 0
        var convCounts: [Int] = []
        while t["styles.\(styleCount).linear.weight"] != nil {
            var convs = 0
            while t["styles.\(styleCount).convs.\(2 * convs).weight"] != nil { convs += 1 }
            convCounts.append(convs)
            styleCount += 1
        }
        let linear = try shape("styles.0.linear.weight", rank: 2)
        let styleDim = linear[0]
        // The coarse blocks reduce c3 (input/16) to 1×1 with log2(input/16) convs.
        let coarseConvs = convCounts[0]
        let inputSize = 16 << coarseConvs
        let coarse = convCounts.prefix { $0 == coarseConvs }.count
        let middle = coarse + convCounts.dropFirst(coarse).prefix { $0 == coarseConvs + 1 }.count
        var config = EncoderConfig(type: type, backbone: backbone, inputSize: inputSize, styleCount: styleCount,
                                   styleDim: styleDim, startFromLatentAvg: startFromLatentAvg,
                                   styleBlockWidth: linear[1])
        // Without middle (or fine) blocks the split points cannot be seen; keep the references' 3 and 7.
        if middle < styleCount {
            config.coarseIndex = coarse
            config.middleIndex = middle
        } else if coarse < styleCount {
            config.coarseIndex = coarse
        }
        try config.validate()
        return config
    }

    /// Loads an encoder (strict: every key present, every shape as inferred) onto `device`.
    public static func load(_ url: URL, type: EncoderType? = nil, device: Device = .cpu) throws -> (encoder: FPNStyleEncoder, weights: Weights) {
        let weights = try read(try CheckpointFile(url), type: type)
        let encoder = FPNStyleEncoder.make(weights.config)
        do {
            _ = try withTorchErrors { try encoder.loadStateDict(weights.tensors) }
        } catch {
            throw TensorIOError(url, "encoder: \(error)")
        }
        encoder.to(device: device)
        return (encoder, weights)
    }

    /// pSp / e4e's initialisation of a new encoder: `input_layer.*` and `body.*` from ArcFace IR-SE50 weights
    /// (`model_ir_se50.pth`), non-strictly — tensors whose shapes differ (a narrower backbone) are skipped and
    /// listed in the report.
    @discardableResult
    public static func loadBackbone(into encoder: FPNStyleEncoder, from url: URL) throws -> NN.StateDictReport {
        let all = try CheckpointFile(url).hostTensors().tensors()
        let backbone = all.filter { $0.key.hasPrefix("input_layer.") || $0.key.hasPrefix("body.") }
        guard !backbone.isEmpty else { throw TensorIOError(url, "no 'input_layer.*' / 'body.*' weights (not an IR-SE network)") }
        do {
            return try withTorchErrors { try encoder.loadStateDict(backbone, strict: false) }
        } catch {
            throw TensorIOError(url, "\(error)")
        }
    }
}
