import Foundation
import NN
import TensorIO
import Torch

/// Loading the FID Inception from `pt_inception-2015-12-05-6726825d.pth` (pytorch-fid's release), from a state
/// dict of pytorch-fid's `InceptionV3` wrapper (`blocks.N.M.*`), or from our own `.safetensors` (`save(to:)`).
extension FIDInceptionV3 {
    public static let metadataKey = "gradstyle.inception"

    /// Loads the weights strictly: every convolution and batch-norm tensor must be present and correctly shaped;
    /// the classifier (`fc.*`) and auxiliary head (`AuxLogits.*`) are ignored. Errors name the file and the key.
    public static func load(_ url: URL, device: Device = .cpu) throws -> FIDInceptionV3 {
        let file = try CheckpointFile(url)
        let model = FIDInceptionV3()
        var tensors: [String: Tensor] = [:]
        for (key, host) in try file.hostTensors() {
            guard let canonical = canonicalKey(key) else { continue }
            tensors[canonical] = Tensor(host)
        }
        guard !tensors.isEmpty else {
            throw TensorIOError(url, "no Inception weights (expected keys such as Conv2d_1a_3x3.conv.weight, as in pt_inception-2015-12-05-6726825d.pth)")
        }
        do {
            try model.loadStateDict(tensors)
        } catch let error as StateDictError {
            throw TensorIOError(url, "not the FID Inception (pt_inception-2015-12-05): \(error.report)")
        }
        model.weightFile = url
        return model.to(device: device)
    }

    /// Writes the weights to a `.safetensors` file, atomically.
    public func save(to url: URL) throws {
        var dict = StateDict()
        for (name, t) in stateDict() { dict[name] = t.to(device: .cpu).contiguous().hostTensor() }
        try SafeTensors.write(dict, metadata: [FIDInceptionV3.metadataKey: "pt_inception-2015-12-05"], to: url)
    }

    /// pytorch-fid's `InceptionV3.blocks` order, mapped to the module names they hold.
    static let blockNames: [[String]] = [
        ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3"],
        ["Conv2d_3b_1x1", "Conv2d_4a_3x3"],
        ["Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"],
        ["Mixed_7a", "Mixed_7b", "Mixed_7c"],
    ]

    /// Our key for a key in a users' file, or nil for parts the features do not use.
    static func canonicalKey(_ key: String) -> String? {
        var parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "module" { parts.removeFirst() }
        guard let head = parts.first else { return nil }
        if head == "fc" || head == "AuxLogits" { return nil }
        if head == "blocks" {
            guard parts.count > 3, let b = Int(parts[1]), let m = Int(parts[2]), blockNames.indices.contains(b),
                  blockNames[b].indices.contains(m) else { return nil }
            return ([blockNames[b][m]] + parts[3...]).joined(separator: ".")
        }
        return parts.joined(separator: ".")
    }
}
