import Foundation
import TensorIO

/// `gradstyle bundle rename`: a network shown under another name (the ablation report names a network after what
/// it measures, e.g. the one trained as `gradstyle` before a default changed). Its tensors `OLD.*` become `NEW.*`
/// and its metadata keys follow (`OLD.config` → `NEW.config`, `gradstyle.OLD.trained_steps` →
/// `gradstyle.NEW.trained_steps`); everything else is kept as it is.
public enum BundleRename {
    /// `contents` with network `old` renamed `new`; `path` names the file in errors.
    public static func rename(_ contents: BundleContents, network old: String, to new: String, path: String) throws -> BundleContents {
        guard contents.networks.contains(old) else {
            let has = contents.networks.isEmpty ? "none" : contents.networks.joined(separator: ", ")
            throw PipelineError("\(path): no network '\(old)' (no '\(old).config' in the metadata; it has \(has))")
        }
        guard old != BundleNetworks.hfgi else {
            throw PipelineError("\(path): HFGI's networks keep their name (invert, edit and eval find them as 'hfgi')")
        }
        if let problem = BundleNetworks.problem(withName: new) { throw PipelineError("\(path): cannot rename '\(old)': \(problem)") }
        guard !contents.networks.contains(new) else { throw PipelineError("\(path): already has a network '\(new)'") }

        var renamed = BundleContents(tensors: StateDict(), metadata: [:])
        for (name, tensor) in contents.tensors {
            let target = BundleNetworks.owns(tensor: name, network: old) ? new + name.dropFirst(old.count) : name
            guard renamed.tensors.insert(tensor, named: target) else {
                throw PipelineError("\(path): already has a tensor '\(target)', so network '\(old)' cannot become '\(new)'")
            }
        }
        let namespace = BundleNetworks.fileNamespace
        for (key, value) in contents.metadata.sorted(by: { $0.key < $1.key }) {
            var target = key
            if key.hasPrefix("\(namespace).\(old).") {
                target = "\(namespace).\(new)." + key.dropFirst("\(namespace).\(old).".count)
            } else if BundleNetworks.owns(metadataKey: key, network: old) {
                // `OLD.rest`: under `NEW.rest`, or, for a network named like the file's namespace, under its own keys.
                let rest = key.dropFirst(old.count + 1)
                target = new == namespace && rest != "config" ? "\(namespace).\(namespace).\(rest)" : "\(new).\(rest)"
            }
            guard renamed.metadata[target] == nil else {
                throw PipelineError("\(path): already has a metadata key '\(target)', so network '\(old)' cannot become '\(new)'")
            }
            renamed.metadata[target] = value
        }
        return renamed
    }
}
