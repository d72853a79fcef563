import Foundation
import NN
import TensorIO
import Torch

extension HFGIModel {
    /// Writes our `.safetensors` HFGI model atomically: the inversion model's file (`encoder.*`, `decoder.*`,
    /// `latent_avg` and their configs) plus `residue.*` and `grid_align.*` — the names of the public checkpoint's
    /// `state_dict`, so `load` reads it as it reads an official `.pt` — and the widths under `hfgi.config`.
    public func save(to url: URL, extraMetadata: [String: String] = [:]) throws {
        var (tensors, metadata) = try inversion.fileContents()
        for (prefix, network) in [("residue", residue as Module), ("grid_align", gridAlign)] {
            for (name, t) in network.stateDict() { tensors["\(prefix).\(name)"] = t.to(device: .cpu).contiguous().hostTensor() }
        }
        metadata["hfgi.config"] = try StableJSON.string(config)
        metadata.merge(extraMetadata) { current, _ in current }
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }
}
