import Foundation
import TensorIO
import Torch

/// Loading LPIPS from the files users have:
/// - the trunk: torchvision's ImageNet state dicts (`alexnet-owt-7be5be79.pth`, `vgg16-397923af.pth`: keys
///   `features.N.*`, the `classifier.*` part is ignored), or a whole lpips model's state dict (`net.sliceK.N.*`);
/// - the heads: the lpips package's v0.1 weight files (`alex.pth`, `vgg.pth`: `linK.model.1.weight`; the
///   `use_dropout=False` spelling `linK.model.0.weight` is accepted too);
/// - our own `.safetensors` written by `save(to:)`, holding both.
/// Files may be `.pt`/`.pth` (zip or legacy) or `.safetensors`; each is classified by its keys, not its name.
extension LPIPS {
    /// Metadata key naming the network in our safetensors files.
    public static let networkMetadataKey = "gradstyle.lpips"

    /// Loads a pretrained LPIPS from a trunk file and a heads file (they may be the same file).
    public static func load(network: LPIPSNetwork = .alex, trunk: URL, heads: URL, device: Device = .cpu) throws -> LPIPS {
        try load(network: network, files: trunk == heads ? [trunk] : [trunk, heads], device: device)
    }

    /// Loads a pretrained LPIPS from any set of files that together hold the trunk and the heads. Strict: every
    /// trunk and head weight must be present and shaped as `network` needs; errors name the file and the key.
    public static func load(network: LPIPSNetwork = .alex, files: [URL], device: Device = .cpu) throws -> LPIPS {
        guard !files.isEmpty else { throw ModelError("LPIPS: no weight files given") }
        let model = LPIPS(network: network)
        var tensors: [String: Tensor] = [:]
        var origin: [String: URL] = [:]
        for url in files {
            let file = try CheckpointFile(url)
            if let named = file.metadata[networkMetadataKey], named != network.rawValue {
                throw TensorIOError(url, "holds LPIPS(\(named)) weights, but the LPIPS network asked for is \(network.rawValue)")
            }
            for (key, host) in try file.hostTensors() {
                guard let canonical = canonicalKey(key) else { continue }
                if let first = origin[canonical], first != url {
                    throw TensorIOError(url, "'\(key)' is also in \(first.lastPathComponent); give each weight once")
                }
                tensors[canonical] = Tensor(host)
                origin[canonical] = url
            }
        }
        let expected = model.stateDict()
        // The scaling layer's constants are optional: torchvision and lpips head files do not carry them.
        for (name, t) in expected where name.hasPrefix("scaling_layer.") && tensors[name] == nil { tensors[name] = t }
        try checkNetwork(network, tensors, origin)
        let missing = expected.map(\.name).filter { tensors[$0] == nil }
        if !missing.isEmpty {
            let trunkMissing = missing.contains { $0.hasPrefix("net.") }
            let what = trunkMissing
                ? "the \(network.rawValue) trunk (torchvision features.* weights, e.g. \(network == .alex ? "alexnet-owt-7be5be79.pth" : "vgg16-397923af.pth"))"
                : "the LPIPS heads (lin0.model.1.weight …, the lpips package's \(network.rawValue).pth)"
            let names = files.map(\.lastPathComponent).joined(separator: ", ")
            throw ModelError("\(names): no weights for \(what); missing \(missing.count) key(s), first: \(missing[0])")
        }
        for (name, t) in expected {
            let found = tensors[name]!.shape
            if found != t.shape {
                throw TensorIOError(origin[name] ?? files[0],
                                    "'\(name)' has shape \(found), LPIPS(\(network.rawValue)) expects \(t.shape)")
            }
        }
        // Only our keys remain, so strict loading checks exactly the set above.
        let known = Set(expected.map(\.name))
        if let extra = tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw TensorIOError(origin[extra] ?? files[0],
                                "unexpected LPIPS(\(network.rawValue)) weight '\(extra)'")
        }
        try model.loadStateDict(tensors)
        model.weightFiles = files
        return model.to(device: device)
    }

    /// Writes all weights (trunk, heads, scaling constants) to one `.safetensors` file, atomically.
    public func save(to url: URL) throws {
        var dict = StateDict()
        for (name, t) in stateDict() { dict[name] = t.to(.float32, device: .cpu).contiguous().hostTensor() }
        try SafeTensors.write(dict, metadata: [LPIPS.networkMetadataKey: network.rawValue], to: url)
    }

    /// Our key for a key found in a users' file, or nil for keys LPIPS does not use (a classifier, an optimiser).
    static func canonicalKey(_ key: String) -> String? {
        var parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.first == "module" { parts.removeFirst() } // saved from DataParallel
        guard parts.count >= 2 else { return nil }
        switch parts[0] {
        case "features":
            return "net." + parts.joined(separator: ".")
        case "net":
            if parts.count == 4, parts[1] == "features" { return parts.joined(separator: ".") }
            // The lpips model names trunk layers by their torchvision index inside slices: net.slice2.3.weight.
            if parts.count == 4, parts[1].hasPrefix("slice"), Int(parts[2]) != nil {
                return "net.features.\(parts[2]).\(parts[3])"
            }
            return nil
        case "scaling_layer":
            return parts.joined(separator: ".")
        case "lins":
            guard parts.count == 5, let k = Int(parts[1]) else { return nil }
            return headKey(k, parts[2...])
        default:
            if parts[0].hasPrefix("lin"), let k = Int(parts[0].dropFirst(3)) { return headKey(k, parts[1...]) }
            return nil
        }
    }

    private static func headKey(_ k: Int, _ rest: ArraySlice<String>) -> String? {
        let r = Array(rest)
        guard r.count == 3, r[0] == "model", r[1] == "0" || r[1] == "1", r[2] == "weight" else { return nil }
        return "lin\(k).model.1.weight"
    }

    /// A clear message when the trunk in the files is the other network (the shapes would say it less kindly).
    private static func checkNetwork(_ network: LPIPSNetwork, _ tensors: [String: Tensor], _ origin: [String: URL]) throws {
        guard let first = tensors["net.features.0.weight"], first.rank == 4 else { return }
        let found: LPIPSNetwork? = first.size(3) == 11 ? .alex : first.size(3) == 3 ? .vgg : nil
        if let found, found != network {
            throw TensorIOError(origin["net.features.0.weight"]!,
                                "holds a \(found == .alex ? "AlexNet" : "VGG16") trunk, but the LPIPS network is \(network.rawValue) (the file is for \(found.rawValue))")
        }
        if let head = tensors["lin1.model.1.weight"], head.rank == 4 {
            let expected = network == .alex ? 192 : 128
            if head.size(1) != expected {
                let other: LPIPSNetwork = network == .alex ? .vgg : .alex
                throw TensorIOError(origin["lin1.model.1.weight"]!,
                                    "holds LPIPS heads for \(other.rawValue), but the LPIPS network is \(network.rawValue) (the file is for \(other.rawValue))")
            }
        }
    }
}
