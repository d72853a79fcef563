import Foundation
import Models
import TensorIO
import Torch

/// The inversion methods a protocol compares, read from one or more GradStyle bundles. Every bundle gives e4e (its
/// encoder's code alone, no residuals) and one method per network in it (`gradstyle`, `single_stage`, ablation
/// variants). Several bundles holding networks of the same name are repeats — the same variant trained with other
/// seeds — and reports give their spread. A model file with HFGI's networks (an HFGI `.pt`) beside the bundles
/// gives an `hfgi` row (several are repeats); it needs the bundles' encoder input, resolution and style size.
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
        /// HFGI's networks per repeat (the `hfgi` row; `models` then hold its e4e part); empty for other rows.
        public var hfgi: [HFGIModel] = []
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
        var hfgi = Method(name: "hfgi", models: [], sources: [], usesResiduals: true,
                          summary: "HFGI: distortion map, ADA, consultation fusion at 64²")
        for url in bundles {
            let file = try CheckpointFile(url)
            let prefixes = GradStyleBundle.networkPrefixes(file).filter { only?.contains($0) ?? true }
            if prefixes.isEmpty, only?.contains("hfgi") ?? true, HFGIModel.isHFGI(url) {
                let (model, inert) = try ModelLoading.hfgi(url, device: device)
                hfgi.hfgi.append(model)
                hfgi.models.append(inert)
                hfgi.sources.append(url)
                continue
            }
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
        guard let shape else { throw ModelError("no GradStyle bundle among the model files (HFGI is compared beside one)") }
        for (model, url) in zip(hfgi.hfgi, hfgi.sources) {
            let s = (model.inputSize, model.generator.size, model.generator.styleDim)
            guard s == shape else {
                throw TensorIOError(url, "its encoder input \(s.0)², generator \(s.1)² or style size \(s.2) differs from the bundles'")
            }
        }
        let ranked = order.filter { $0 == GradStyleBundle.singleStagePrefix }
            + order.filter { $0 != GradStyleBundle.singleStagePrefix && $0 != GradStyleBundle.mainPrefix }
        let main = order.filter { $0 == GradStyleBundle.mainPrefix }
        methods = [e4e] + ranked.map { byPrefix[$0]! } + (hfgi.hfgi.isEmpty ? [] : [hfgi]) + main.map { byPrefix[$0]! }
        (inputSize, resolution, styleDim) = shape
    }

    /// The inversion of `x` by `method`'s repeat `r`.
    public func reconstruct(_ method: Method, repeat r: Int, _ x: Tensor) -> Reconstruction {
        withInferenceMode {
            guard !method.hfgi.isEmpty else { return method.models[r].reconstruct(x, useResiduals: method.usesResiduals) }
            // HFGI: the e4e pass is its first pass; its distortion map is carried as the one residual, for edits.
            var rec = method.models[r].reconstruct(x, useResiduals: false)
            let model = method.hfgi[r]
            let residual = x - model.atInputSize(rec.image)
            rec.image = model.render(target: rec.latent, residual: residual, targetImage: rec.image).image
            rec.residuals = [residual]
            return rec
        }
    }

    /// The edited image for an edited code: e4e synthesises the code alone, GradStyle methods run the Editing Stream.
    public func edit(_ method: Method, repeat r: Int, _ rec: Reconstruction, editedLatent w: Tensor) -> Tensor {
        withInferenceMode {
            if !method.hfgi.isEmpty { return method.hfgi[r].edit(residual: rec.residuals[0], editedLatent: w).image }
            return method.usesResiduals ? method.models[r].edit(rec, editedLatent: w).image : method.models[r].generator.synthesis(w)
        }
    }
}
