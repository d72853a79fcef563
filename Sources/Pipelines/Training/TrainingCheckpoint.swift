import Foundation
import NN
import TensorIO
import Torch

/// A training checkpoint: named groups of tensors (modules, optimiser states, fixed sample latents, RNG state) in one
/// safetensors file, with scalar state and configuration in the metadata. Written atomically, so a kill at any moment
/// leaves either the previous checkpoint or the new one, never a partial file.
public struct TrainingCheckpoint {
    public var tensors: [String: Tensor] = [:]
    public var metadata: [String: String] = [:]

    public init() {}

    /// Stores a module's state dict under `prefix.`.
    public mutating func store(_ module: Module, as prefix: String) {
        for (name, t) in module.stateDict() { tensors["\(prefix).\(name)"] = t }
    }

    /// Stores an optimiser's state under `prefix.` and its kind in the metadata.
    public mutating func store(_ optimizer: Optimizer, as prefix: String) {
        let state = optimizer.stateDict()
        for (name, t) in state.flattened() { tensors["\(prefix).\(name)"] = t }
        metadata["\(prefix).kind"] = state.kind
    }

    /// Stores libtorch's CPU generator state (exact resume of every random draw).
    public mutating func storeRNG() {
        let bytes = Torch.cpuRNGState
        tensors["rng.cpu"] = bytes.withUnsafeBytes { Tensor(bytes: $0, dtype: .uint8, shape: [bytes.count]) }
    }

    public mutating func store(position: [String: [Int64]], as prefix: String) {
        for (k, v) in position { tensors["\(prefix).\(k)"] = Tensor(v) }
    }

    public func tensors(under prefix: String) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, v) in tensors where k.hasPrefix(prefix + ".") { out[String(k.dropFirst(prefix.count + 1))] = v }
        return out
    }

    public func restore(_ module: Module, from prefix: String) throws {
        try module.loadStateDict(tensors(under: prefix))
    }

    public func restore(_ optimizer: Optimizer, from prefix: String) throws {
        guard let kind = metadata["\(prefix).kind"] else { throw TorchError("checkpoint has no optimiser '\(prefix)'") }
        try optimizer.load(try OptimizerState(kind: kind, flattened: tensors(under: prefix)))
    }

    public func restoreRNG() throws {
        guard let t = tensors["rng.cpu"] else { throw TorchError("checkpoint has no RNG state") }
        Torch.cpuRNGState = t.int64s().map { UInt8(truncatingIfNeeded: $0) }
    }

    public func position(_ prefix: String) -> [String: [Int64]] {
        tensors(under: prefix).mapValues { $0.int64s() }
    }

    /// The options (by field) whose stored value in `metadata["options"]` differs from `current`'s, as
    /// "batch: 16 in the checkpoint, 8 now"; empty when the checkpoint stores none.
    public func changedOptions<T: Encodable>(_ current: T) throws -> [String] {
        guard let stored = metadata["options"],
              let old = try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any],
              let new = try JSONSerialization.jsonObject(with: StableJSON.encoder().encode(current)) as? [String: Any]
        else { return [] }
        // Nested values (a struct option) compare as sorted-key JSON: a dictionary's description has no fixed order.
        func text(_ value: Any?) -> String {
            guard let value else { return "none" }
            guard value is [String: Any] || value is [Any],
                  let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]),
                  let json = String(data: data, encoding: .utf8) else { return "\(value)" }
            return json
        }
        return new.keys.sorted().compactMap { key in
            let now = text(new[key]), then = text(old[key])
            return now == then ? nil : "\(key): \(then) in the checkpoint, \(now) now"
        }
    }

    public func write(to url: URL) throws {
        var dict = StateDict()
        for (k, t) in tensors.sorted(by: { $0.key < $1.key }) {
            dict[k] = t.detach().to(device: .cpu).contiguous().hostTensor()
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafeTensors.write(dict, metadata: metadata, to: url)
    }

    public static func read(_ url: URL, device: Device = .cpu) throws -> TrainingCheckpoint {
        let file = try SafeTensorsFile(contentsOf: url)
        var c = TrainingCheckpoint()
        c.metadata = file.metadata
        for (name, host) in try file.stateDict() { c.tensors[name] = Tensor(host, device: device) }
        return c
    }
}
