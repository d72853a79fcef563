import Foundation

/// What belongs to which part of a bundle. A bundle is an inversion model — the e4e encoder `encoder.*`, the
/// generator `decoder.*` and `latent_avg`, shared by everything else — plus networks trained on it, each declared by
/// a `NAME.config` metadata key: GradStyle networks (`gradstyle`, `single_stage`, …) store their tensors under
/// `NAME.*`; HFGI (`hfgi`) stores its two networks under `residue.*` and `grid_align.*`, the names of its public
/// checkpoint.
///
/// A network's metadata is its config, its own keys `NAME.*` (HFGI's `hfgi.trained_steps`,
/// `hfgi.batch_norm_statistics`) and the keys `train gradstyle` writes for it, `gradstyle.NAME.*`
/// (`gradstyle.single_stage.trained_steps`). `gradstyle.*` is also the file's own namespace (`gradstyle.format`,
/// `gradstyle.encoder`, `gradstyle.storage`, …), so the network named `gradstyle` owns only `gradstyle.config` and
/// `gradstyle.gradstyle.*`.
public enum BundleNetworks {
    /// The namespace of the file's own metadata keys.
    static let fileNamespace = "gradstyle"
    /// HFGI's network name, whose tensors are not stored under it.
    public static let hfgi = "hfgi"

    /// The network names declared in `metadata`, sorted.
    public static func names(in metadata: [String: String]) -> [String] {
        metadata.keys.filter { $0.hasSuffix(".config") }.map { String($0.dropLast(".config".count)) }.sorted()
    }

    /// Whether `tensor` is part of the shared inversion model (as the Python merge script matched it).
    public static func isShared(_ tensor: String) -> Bool {
        tensor.hasPrefix("encoder.") || tensor.hasPrefix("decoder.") || tensor.hasPrefix("latent_avg")
    }

    /// The first components of the tensor names of `network`.
    public static func tensorPrefixes(of network: String) -> [String] {
        network == hfgi ? ["residue", "grid_align"] : [network]
    }

    /// Whether `tensor` belongs to `network` (its first dotted component is one of the network's prefixes).
    public static func owns(tensor: String, network: String) -> Bool {
        let first = tensor.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return tensorPrefixes(of: network).contains(first)
    }

    /// Whether the metadata `key` belongs to `network` (see the type's description).
    public static func owns(metadataKey key: String, network: String) -> Bool {
        if key.hasPrefix("\(fileNamespace).\(network).") { return true }
        return network == fileNamespace ? key == "\(network).config" : key.hasPrefix("\(network).")
    }

    /// A name a network can be given: letters, digits and `_`, starting with a letter, and not a name the inversion
    /// model's tensors or HFGI's tensors use. Returns why not, or nil.
    public static func problem(withName name: String) -> String? {
        let scalars = Array(name.unicodeScalars)
        let isLetter = { (s: Unicode.Scalar) in ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
        guard let first = scalars.first, isLetter(first),
              scalars.allSatisfy({ isLetter($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
            return "'\(name)' is not a network name (letters, digits and _, starting with a letter)"
        }
        if ["encoder", "decoder", "latent_avg", "residue", "grid_align", hfgi].contains(name) {
            return "'\(name)' is reserved for the inversion model or HFGI"
        }
        return nil
    }
}
