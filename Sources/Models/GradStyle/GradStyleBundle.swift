import Foundation
import TensorIO
import Torch

/// The file users invert and edit with: an inversion model (`encoder.*`, `decoder.*`, `latent_avg` and their configs,
/// see `InversionModel`) plus one or more GradStyle networks, each under its own prefix with its config in the
/// metadata (`<prefix>.config`): `gradstyle` (the model) and, optionally, `single_stage` (the one-shot baseline,
/// trained on the same data, so `--method single-stage` compares like with like).
public enum GradStyleBundle {
    public static let mainPrefix = "gradstyle"
    public static let singleStagePrefix = "single_stage"

    public static func configKey(_ prefix: String) -> String { "\(prefix).config" }

    /// The GradStyle networks stored in a file (their prefixes).
    public static func networkPrefixes(_ file: CheckpointFile) -> [String] {
        // HFGI's widths sit beside the networks' configs when a bundle carries HFGI too; they are not a network.
        file.metadata.keys.filter { $0.hasSuffix(".config") && $0 != "gradstyle.encoder" && $0 != HFGIModel.configKey }
            .map { String($0.dropLast(".config".count)) }.sorted()
    }

    /// Writes the inversion model and the networks atomically.
    public static func save(inversion: InversionModel, networks: [String: GradStyleNetwork], to url: URL,
                            extraMetadata: [String: String] = [:]) throws {
        let (tensors, metadata) = try fileContents(inversion: inversion, networks: networks, extraMetadata: extraMetadata)
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    /// What `save` writes: the tensors and the metadata.
    public static func fileContents(inversion: InversionModel, networks: [String: GradStyleNetwork],
                                    extraMetadata: [String: String] = [:]) throws -> (tensors: StateDict, metadata: [String: String]) {
        var (tensors, metadata) = try inversion.fileContents()
        for (prefix, network) in networks {
            for (name, t) in network.stateDict() { tensors["\(prefix).\(name)"] = t.to(device: .cpu).contiguous().hostTensor() }
            metadata[configKey(prefix)] = try StableJSON.string(network.config)
        }
        metadata.merge(extraMetadata) { current, _ in current }
        return (tensors, metadata)
    }

    /// The network stored under `prefix`, rebuilt from its config (strict loading).
    public static func loadNetwork(_ file: CheckpointFile, prefix: String = mainPrefix, device: Device = .cpu) throws -> GradStyleNetwork {
        guard let json = file.metadata[configKey(prefix)] else {
            let available = networkPrefixes(file)
            throw TensorIOError(file.url, "no '\(prefix)' GradStyle network in this file (has: \(available.isEmpty ? "none" : available.joined(separator: ", ")))")
        }
        let config: GradStyleConfig
        do { config = try JSONDecoder().decode(GradStyleConfig.self, from: Data(json.utf8)) } catch {
            throw TensorIOError(file.url, "invalid '\(configKey(prefix))' metadata: \(error)")
        }
        do {
            let network = try GradStyleNetwork(config)
            try withTorchErrors { try network.loadStateDict(try file.hostTensors(under: prefix).tensors()) }
            return network.to(device: device).eval()
        } catch let e as TensorIOError {
            throw e
        } catch {
            throw TensorIOError(file.url, "\(prefix): \(error)")
        }
    }

    /// A ready GradStyle model from a bundle: the inversion model and the network under `prefix`.
    public static func load(_ url: URL, prefix: String = mainPrefix, device: Device = .cpu) throws -> GradStyleModel {
        // For inference: evaluation mode (the encoder's batch norms use their running statistics, not the batch's).
        let file = try CheckpointFile(url)
        let inversion = try InversionModel.load(file, device: device).eval()
        let network = try loadNetwork(file, prefix: prefix, device: device).eval()
        return GradStyleModel(inversion: inversion, network: network)
    }
}

extension GradStyleModel {
    /// GradStyle on top of a loaded inversion model (its encoder, generator and the mean latent its codes are
    /// relative to, the same tensor).
    public convenience init(inversion: InversionModel, network: GradStyleNetwork) {
        self.init(encoder: inversion.encoder, generator: inversion.generator, network: network,
                  latentAverage: inversion.codeOffset)
    }
}
