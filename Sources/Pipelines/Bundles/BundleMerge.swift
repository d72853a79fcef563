import Foundation
import TensorIO

/// `gradstyle bundle merge`: the networks one bundle has and another lacks, copied across. Networks trained side by
/// side on the same inversion model (a `train gradstyle` run without `--merge-into`, or `train hfgi` on the bundle's
/// e4e) end up in one file, as `--merge-into` would have put them.
public enum BundleMerge {
    /// `base` plus every network of `donor` that `base` lacks: the network's tensors (bytes as stored) and its
    /// metadata (`BundleNetworks.owns(metadataKey:network:)`), with everything of `base` kept. Both must hold the
    /// same inversion model (see `sharedDifference`). `basePath` and `donorPath` name the files in errors.
    /// Returns the merged contents and the names of the networks added.
    public static func merge(_ donor: BundleContents, from donorPath: String, into base: BundleContents,
                             at basePath: String) throws -> (contents: BundleContents, added: [String]) {
        if let why = sharedDifference(base.tensors, donor.tensors) {
            throw PipelineError("\(donorPath): its encoder/generator/latent_avg differ from \(basePath)'s (\(why))")
        }
        let added = donor.networks.filter { !base.networks.contains($0) }
        guard !added.isEmpty else {
            let has = donor.networks.isEmpty ? "it has none" : "it has \(donor.networks.joined(separator: ", "))"
            throw PipelineError("\(donorPath): no network that \(basePath) lacks (\(has))")
        }
        var merged = base
        // Keys of an added network that the base still carries belong to no network it has: stale, replaced.
        merged.metadata = base.metadata.filter { key, _ in !added.contains { BundleNetworks.owns(metadataKey: key, network: $0) } }
        for network in added {
            let names = donor.tensors.names.filter { BundleNetworks.owns(tensor: $0, network: network) }
            guard !names.isEmpty else {
                throw PipelineError("\(donorPath): network '\(network)' has a config but no tensors")
            }
            for name in names {
                guard merged.tensors.insert(donor.tensors[name]!, named: name) else {
                    throw PipelineError("\(basePath): already holds tensor '\(name)', which \(donorPath)'s network '\(network)' brings")
                }
            }
            for (key, value) in donor.metadata where BundleNetworks.owns(metadataKey: key, network: network) {
                merged.metadata[key] = value
            }
        }
        return (merged, added)
    }

    /// Why the inversion models (`BundleNetworks.isShared`) of two files differ, or nil when they are the same: the
    /// same tensor names and shapes, and the same bytes — or, where one file stores a tensor at another precision
    /// (a float16 bundle against a float32 training output), the same values once both are stored at the narrower
    /// one (float16 if either is float16, else float32).
    public static func sharedDifference(_ a: StateDict, _ b: StateDict) -> String? {
        let (namesA, namesB) = (a.names.filter(BundleNetworks.isShared), b.names.filter(BundleNetworks.isShared))
        if let only = Set(namesA).symmetricDifference(namesB).sorted().first {
            return "tensor '\(only)' is in only one of them"
        }
        for name in namesA.sorted() {
            let (x, y) = (a[name]!, b[name]!)
            guard x.shape == y.shape else { return "tensor '\(name)' has shapes \(x.shape) and \(y.shape)" }
            guard x.scalarType != y.scalarType else {
                if x.bytes != y.bytes { return "tensor '\(name)' holds other values" }
                continue
            }
            guard x.scalarType.isFloatingPoint, y.scalarType.isFloatingPoint else {
                return "tensor '\(name)' is \(x.scalarType.rawValue) in one and \(y.scalarType.rawValue) in the other"
            }
            let common: ScalarType = [x.scalarType, y.scalarType].contains(.float16) ? .float16 : .float32
            let (cx, cy) = (try? x.storingFloats(as: common, label: name, path: ""),
                            try? y.storingFloats(as: common, label: name, path: ""))
            if cx == nil || cx != cy { return "tensor '\(name)' holds other values, even at \(common.rawValue)" }
        }
        return nil
    }
}
