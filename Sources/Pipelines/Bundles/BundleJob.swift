import Foundation
import TensorIO

/// `gradstyle bundle merge|rename|convert`: reads a bundle whole, rewrites it, optionally changes the precision its
/// weights are stored at, and writes the result atomically (the output may be the input). The output is
/// byte-reproducible: the same inputs give the same bytes.
public struct BundleJob {
    public enum Operation: Equatable, Sendable {
        /// Add the networks that this other file has and the bundle lacks (`BundleMerge`).
        case merge(networksFrom: URL)
        /// Give network `from` the name `to` (`BundleRename`).
        case rename(from: String, to: String)
        /// Change nothing but the storage.
        case convert
    }

    /// What the job wrote.
    public struct Summary: Equatable, Sendable {
        public var output: URL
        /// The output's networks, sorted.
        public var networks: [String]
        /// The networks a merge added (empty otherwise).
        public var added: [String]
        /// The storage the output records, if any.
        public var storage: WeightStorage?
        public var byteCount: Int

        /// One line: the file, its networks, its storage and its size.
        public var line: String {
            let nets = networks.isEmpty ? "no networks" : "networks " + networks.map { added.contains($0) ? "\($0) (added)" : $0 }
                .joined(separator: ", ")
            let stored = storage.map { "; \($0.rawValue) storage" } ?? ""
            return "\(output.relativePath): \(nets)\(stored); \(byteCount.grouped) bytes"
        }
    }

    public var bundle: URL
    public var operation: Operation
    public var output: URL
    /// The precision to store floating-point tensors at. Nil keeps each tensor as stored, except that a merge
    /// keeps the bundle's recorded storage (so networks merged into a float16 bundle are stored as float16 too).
    public var storage: WeightStorage?

    public init(bundle: URL, operation: Operation, output: URL, storage: WeightStorage? = nil) {
        self.bundle = bundle
        self.operation = operation
        self.output = output
        self.storage = storage
    }

    public func run() throws -> Summary {
        if operation == .convert, storage == nil {
            throw PipelineError("converting \(bundle.relativePath) needs a storage (float16 or float32)")
        }
        try BundleContents.checkOutput(output)
        let input = try BundleContents.read(bundle)
        var result = input
        var added: [String] = []
        var storage = self.storage
        switch operation {
        case .merge(let other):
            let donor = try BundleContents.read(other)
            (result, added) = try BundleMerge.merge(donor, from: other.relativePath, into: input, at: bundle.relativePath)
            storage = storage ?? WeightStorage.recorded(in: input.metadata)
        case .rename(let old, let new):
            result = try BundleRename.rename(input, network: old, to: new, path: bundle.relativePath)
        case .convert:
            break
        }
        if let storage {
            // A merge's added tensors come from the other file: name it when one of them cannot be stored.
            let source: (String) -> String = { name in
                if case .merge(let other) = operation, input.tensors[name] == nil { return other.relativePath }
                return bundle.relativePath
            }
            result = try result.stored(as: storage, source: source)
        }
        try result.write(to: output)
        let size = (try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0
        return Summary(output: output, networks: result.networks, added: added,
                       storage: WeightStorage.recorded(in: result.metadata), byteCount: size)
    }
}
