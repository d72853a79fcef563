import Foundation
import TensorIO
import Torch

/// GradStyle's own weights in our safetensors format: the network's state dict under `gradstyle.` and its config
/// (every [D] option) as JSON in the metadata, so `inspect` prints it and loading rebuilds exactly that network.
public enum GradStyleCheckpoint {
    public static let configKey = "gradstyle.config"

    public static func tensors(_ network: GradStyleNetwork) -> StateDict {
        var dict = StateDict()
        for (name, t) in network.stateDict() { dict["gradstyle.\(name)"] = t.to(device: .cpu).contiguous().hostTensor() }
        return dict
    }

    public static func metadata(_ network: GradStyleNetwork) throws -> [String: String] {
        [configKey: String(decoding: try JSONEncoder().encode(network.config), as: UTF8.self)]
    }

    /// Rebuilds the network stored in `file` (strict: every weight present and shaped as its config says).
    public static func loadNetwork(_ file: CheckpointFile, device: Device = .cpu) throws -> GradStyleNetwork {
        guard let json = file.metadata[configKey] else {
            throw TensorIOError(file.url, "no GradStyle network in this file (metadata '\(configKey)' is missing)")
        }
        let config: GradStyleConfig
        do { config = try JSONDecoder().decode(GradStyleConfig.self, from: Data(json.utf8)) } catch {
            throw TensorIOError(file.url, "invalid '\(configKey)' metadata: \(error)")
        }
        do {
            let network = try GradStyleNetwork(config)
            try network.loadStateDict(try file.hostTensors(under: "gradstyle").tensors())
            return network.to(device: device).eval()
        } catch let e as TensorIOError {
            throw e
        } catch {
            throw TensorIOError(file.url, "\(error)")
        }
    }
}
