import Foundation
import Models
import TensorIO
import Torch

/// The inversion methods a protocol compares, read from one or more GradStyle bundles. Every bundle gives e4e (its
/// encoder's code alone, no residuals) and one method per network in it (`gradstyle`, `single_stage`, ablation
/// variants). Several bundles holding networks of the same name are repeats — the same variant trained with other
/// seeds — and reports give their spread. HFGI's networks give an `hfgi` row (several files are repeats), from a
/// bundle that carries them beside its GradStyle networks or from an HFGI checkpoint (`.pt`) beside the bundles;
/// they need the bundles' encoder input, resolution and style size. An inversion model without GradStyle networks
/// (`train encoder`'s model, an official e4e or pSp checkpoint) gives the e4e row alone.
public struct EvaluatedMethods {
    /// One row of the comparison: a method and its repeats.
    public struct Method {
        /// Report name: "e4e", "single-stage", "gradstyle", "hfgi" or the network's prefix.
        public var name: String
        /// The method as loaded from each repeat's file.
        public var repeats: [InversionMethod]
        /// The file of each repeat.
        public var sources: [URL] { repeats.map(\.source) }
        /// What the method adds to the code, for the report.
        public var summary: String { repeats[0].summary }
    }

    public var methods: [Method]
    public var inputSize: Int
    public var resolution: Int
    public var styleDim: Int

    /// Methods in report order: e4e, the one-shot baseline, variants in the order first met, HFGI, GradStyle last.
    /// `only` restricts the networks to these prefixes (e4e is always included). Each file is opened once.
    public init(bundles: [URL], only: [String]? = nil, device: Device = .cpu) throws {
        guard !bundles.isEmpty else { throw ModelError("no model file given") }
        var e4e = Method(name: InversionMethod.Name.e4e.rawValue, repeats: [])
        var hfgi = Method(name: InversionMethod.Name.hfgi.rawValue, repeats: [])
        var byPrefix: [String: Method] = [:]
        var order: [String] = []
        var shape: (Int, Int, Int)? = nil
        for url in bundles {
            let file = try CheckpointFile(url)
            let prefixes = GradStyleBundle.networkPrefixes(file).filter { only?.contains($0) ?? true }
            if prefixes.isEmpty, only?.contains("hfgi") ?? true, HFGIModel.isHFGI(file) {
                hfgi.repeats.append(try InversionMethod.load(file, name: .hfgi, device: device))
                continue
            }
            if prefixes.isEmpty, let only {
                throw TensorIOError(url, "none of the networks \(only.joined(separator: ", ")) is in this file")
            }
            let loaded = try InversionMethod.bundle(file, prefixes: prefixes, device: device)
            let s = (loaded[0].inputSize, loaded[0].resolution, loaded[0].styleDim)
            if let shape, shape != s {
                throw TensorIOError(url, "its encoder input \(s.0)², generator \(s.1)² or style size \(s.2) differs from the first model's")
            }
            shape = s
            e4e.repeats.append(loaded[0])
            if only?.contains("hfgi") ?? true, HFGIModel.isHFGI(file) {
                hfgi.repeats.append(try InversionMethod.load(file, name: .hfgi, device: device))
            }
            for (prefix, method) in zip(prefixes, loaded.dropFirst()) {
                if byPrefix[prefix] == nil {
                    order.append(prefix)
                    byPrefix[prefix] = Method(name: method.name, repeats: [])
                }
                byPrefix[prefix]!.repeats.append(method)
            }
        }
        guard let shape else { throw ModelError("no inversion model among the model files (HFGI is compared beside a bundle or an e4e model)") }
        for method in hfgi.repeats {
            let s = (method.inputSize, method.resolution, method.styleDim)
            guard s == shape else {
                throw TensorIOError(method.source, "its encoder input \(s.0)², generator \(s.1)² or style size \(s.2) differs from the bundles'")
            }
        }
        let ranked = order.filter { $0 == GradStyleBundle.singleStagePrefix }
            + order.filter { $0 != GradStyleBundle.singleStagePrefix && $0 != GradStyleBundle.mainPrefix }
        let main = order.filter { $0 == GradStyleBundle.mainPrefix }
        methods = [e4e] + ranked.map { byPrefix[$0]! } + (hfgi.repeats.isEmpty ? [] : [hfgi]) + main.map { byPrefix[$0]! }
        (inputSize, resolution, styleDim) = shape
    }
}
