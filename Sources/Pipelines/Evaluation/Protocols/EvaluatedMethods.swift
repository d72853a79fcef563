import Foundation
import Models
import TensorIO
import Torch

/// The inversion methods a protocol compares, read from one or more GradStyle bundles. Every bundle gives e4e (its
/// encoder's code alone, no residuals) and one method per network in it (`gradstyle`, `single_stage`, ablation
/// variants). Several bundles holding networks of the same name are repeats — the same variant trained with other
/// seeds — and reports give their spread.
public struct EvaluatedMethods {
    public struct Method {
        /// Report name: "e4e", "single-stage", "gradstyle" or the network's prefix.
        public var name: String
        /// One model per repeat (bundle).
        public var models: [GradStyleModel]
        /// The bundle file of each repeat.
        public var sources: [URL]
        /// false: e4e (the code alone).
        public var usesResiduals: Bool
        /// The network's options, for the report ("" for e4e).
        public var summary: String
    }

    public var methods: [Method]
    public var inputSize: Int
    public var resolution: Int
    public var styleDim: Int

    public static func displayName(_ prefix: String) -> String {
        prefix == GradStyleBundle.singleStagePrefix ? "single-stage" : prefix
    }

    /// Methods in report order: e4e, the one-shot baseline, variants in the order first met, GradStyle last.
    /// `only` restricts the networks to these prefixes (e4e is always included).
    public init(bundles: [URL], only: [String]? = nil, device: Device = .cpu) throws {
        guard !bundles.isEmpty else { throw ModelError("no model file given") }
        var e4e = Method(name: "e4e", models: [], sources: [], usesResiduals: false, summary: "the encoder's W+ code alone")
        var byPrefix: [String: Method] = [:]
        var order: [String] = []
        var shape: (Int, Int, Int)? = nil
        for url in bundles {
            let file = try CheckpointFile(url)
            let prefixes = GradStyleBundle.networkPrefixes(file).filter { only?.contains($0) ?? true }
            guard !prefixes.isEmpty else {
                throw TensorIOError(url, only == nil ? "no GradStyle network in this file (a bundle from `train gradstyle` is needed)"
                                                     : "none of the networks \(only!.joined(separator: ", ")) is in this file")
            }
            let inversion = try InversionModel.load(url, device: device).eval()
            let s = (inversion.encoder.inputSize, inversion.generator.size, inversion.generator.styleDim)
            if let shape, shape != s {
                throw TensorIOError(url, "its encoder input \(s.0)², generator \(s.1)² or style size \(s.2) differs from the first model's")
            }
            shape = s
            var first: GradStyleModel? = nil
            for prefix in prefixes {
                let network = try GradStyleBundle.loadNetwork(file, prefix: prefix, device: device)
                let model = GradStyleModel(inversion: inversion, network: network)
                first = first ?? model
                if byPrefix[prefix] == nil {
                    order.append(prefix)
                    byPrefix[prefix] = Method(name: EvaluatedMethods.displayName(prefix), models: [], sources: [],
                                              usesResiduals: true, summary: network.config.summary)
                }
                byPrefix[prefix]!.models.append(model)
                byPrefix[prefix]!.sources.append(url)
            }
            e4e.models.append(first!)
            e4e.sources.append(url)
        }
        let ranked = order.filter { $0 == GradStyleBundle.singleStagePrefix }
            + order.filter { $0 != GradStyleBundle.singleStagePrefix && $0 != GradStyleBundle.mainPrefix }
            + order.filter { $0 == GradStyleBundle.mainPrefix }
        methods = [e4e] + ranked.map { byPrefix[$0]! }
        (inputSize, resolution, styleDim) = shape!
    }

    /// The inversion of `x` by `method`'s repeat `r`.
    public func reconstruct(_ method: Method, repeat r: Int, _ x: Tensor) -> Reconstruction {
        withInferenceMode { method.models[r].reconstruct(x, useResiduals: method.usesResiduals) }
    }

    /// The edited image for an edited code: e4e synthesises the code alone, GradStyle methods run the Editing Stream.
    public func edit(_ method: Method, repeat r: Int, _ rec: Reconstruction, editedLatent w: Tensor) -> Tensor {
        withInferenceMode {
            method.usesResiduals ? method.models[r].edit(rec, editedLatent: w).image : method.models[r].generator.synthesis(w)
        }
    }
}
