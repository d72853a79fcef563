import Foundation
import Models
import Torch

/// One way of inverting images and rendering edits of them, loaded from a model file: what `invert`, `edit`, the
/// demo, the evaluation protocols and `bench` run.
///
/// - e4e: the encoder's W+ code alone, synthesised by the generator (the low-bit baseline).
/// - a GradStyle network of a bundle (`gradstyle`, the one-shot baseline `single_stage`, ablation variants): the
///   Reconstruction Stream for the inversion, the Editing Stream for edits.
/// - HFGI: its distortion map, ADA and consultation fusion on top of its e4e part.
///
/// Every kind starts from the same code, w = E(x) + w_avg (`InversionModel.encode`); the encoder, the generator and
/// the mean latent live in `inversion`, shared by all the methods loaded from one file (`InversionMethod+Loading`).
public final class InversionMethod {
    public enum Kind: Equatable, Sendable {
        case e4e
        /// The GradStyle network stored under this prefix of a bundle.
        case network(prefix: String)
        case hfgi
    }

    public let kind: Kind
    /// Report and command-line name: "e4e", "gradstyle", "single-stage", "hfgi" or a variant's prefix.
    public let name: String
    /// The model file it was loaded from.
    public let source: URL
    /// The encoder, the generator and the mean latent.
    public let inversion: InversionModel
    /// The GradStyle model, for `.network`.
    public let gradstyle: GradStyleModel?
    /// HFGI's networks (on `inversion`), for `.hfgi`.
    public let hfgi: HFGIModel?

    init(kind: Kind, name: String, source: URL, inversion: InversionModel, gradstyle: GradStyleModel? = nil, hfgi: HFGIModel? = nil) {
        self.kind = kind
        self.name = name
        self.source = source
        self.inversion = inversion
        self.gradstyle = gradstyle
        self.hfgi = hfgi
    }

    /// e4e on an inversion model in memory (`source` names it in reports).
    public static func e4e(_ inversion: InversionModel, source: URL = InversionMethod.inMemory) -> InversionMethod {
        InversionMethod(kind: .e4e, name: Name.e4e.rawValue, source: source, inversion: inversion)
    }

    /// A GradStyle network on an inversion model in memory, reported under `prefix`'s name.
    public static func network(_ network: GradStyleNetwork, prefix: String = GradStyleBundle.mainPrefix, on inversion: InversionModel,
                               source: URL = InversionMethod.inMemory) -> InversionMethod {
        InversionMethod(kind: .network(prefix: prefix), name: displayName(prefix: prefix), source: source, inversion: inversion,
                        gradstyle: GradStyleModel(inversion: inversion, network: network))
    }

    /// HFGI's networks in memory.
    public static func hfgi(_ model: HFGIModel, source: URL = InversionMethod.inMemory) -> InversionMethod {
        InversionMethod(kind: .hfgi, name: Name.hfgi.rawValue, source: source, inversion: model.inversion, hfgi: model)
    }

    /// The `source` of methods built in memory.
    public static let inMemory = URL(fileURLWithPath: "/in-memory")

    public var generator: Generator { inversion.generator }
    /// Side of the images the encoder takes.
    public var inputSize: Int { inversion.inputSize }
    /// Side of the images the generator makes.
    public var resolution: Int { inversion.generator.size }
    public var styleDim: Int { inversion.generator.styleDim }
    public var device: Device { inversion.generator.input.input.device }
    /// What the user should know about how the file was read.
    public var notes: [String] { inversion.notes }

    /// What the method adds to the code, for reports.
    public var summary: String {
        switch kind {
        case .e4e: return "the encoder's W+ code alone"
        case .network: return gradstyle!.network.config.summary
        case .hfgi: return "HFGI: distortion map, ADA, consultation fusion at 64²"
        }
    }

    /// The inversion of images x (N×3×S×S in [-1, 1] at `inputSize`): the image at the generator's resolution, the
    /// code, and what edits reuse (GradStyle: the residuals and features of each stage; HFGI: its distortion map,
    /// as the one residual).
    public func invert(_ x: Tensor, noise: NoiseMode = .const) -> Reconstruction {
        withInferenceMode {
            let (w, pyramid) = inversion.encode(x)
            switch kind {
            case .e4e:
                return Reconstruction(image: generator.synthesis(w, noise: noise), latent: w, residuals: [], features: [],
                                      pyramid: pyramid)
            case .network:
                return gradstyle!.reconstruct(latent: w, pyramid: pyramid, noise: noise)
            case .hfgi:
                let model = hfgi!
                let (residual, first) = model.distortion(x, latent: w, noise: noise)
                let image = model.render(target: w, residual: residual, targetImage: first, noise: noise).image
                return Reconstruction(image: image, latent: w, residuals: [residual], features: [], pyramid: pyramid)
            }
        }
    }

    /// The edited image for an edited code (e.g. `LatentEdit.apply(rec.latent, strength:)`): e4e synthesises the
    /// code alone, GradStyle runs the Editing Stream on the inversion's residuals, HFGI re-renders its distortion map.
    public func render(_ rec: Reconstruction, editedLatent w: Tensor, noise: NoiseMode = .const) -> Tensor {
        withInferenceMode {
            switch kind {
            case .e4e: return generator.synthesis(w, noise: noise)
            case .network: return gradstyle!.edit(rec, editedLatent: w, noise: noise).image
            case .hfgi: return hfgi!.edit(residual: rec.residuals[0], editedLatent: w, noise: noise).image
            }
        }
    }
}
