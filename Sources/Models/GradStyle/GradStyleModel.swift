import NN
import Torch

/// What the Reconstruction Stream produces for a batch: the inversion and what the Editing Stream needs.
public struct Reconstruction {
    /// ŷ_rec, N×3×H×W.
    public var image: Tensor
    /// The W+ code w = E(x) + w_avg.
    public var latent: Tensor
    /// F_m per stage (coarse to fine), before fusion.
    public var residuals: [Tensor]
    /// f_rec^m per stage, the generator feature before fusion (keys for `key_source` reconstruction/both).
    public var features: [Tensor]
    /// The encoder's pyramid (T_m), kept for re-running stages.
    public var pyramid: FeaturePyramid

    public init(image: Tensor, latent: Tensor, residuals: [Tensor], features: [Tensor], pyramid: FeaturePyramid) {
        self.image = image
        self.latent = latent
        self.residuals = residuals
        self.features = features
        self.pyramid = pyramid
    }
}

/// What the Editing Stream produces for an edited code.
public struct EditResult {
    /// ŷ_edi.
    public var image: Tensor
    /// F'_m per stage: the residuals aligned to the edited layout.
    public var alignedResiduals: [Tensor]
    /// f_edi^m per stage, before fusion.
    public var features: [Tensor]
}

/// GradStyle: a frozen e4e encoder and StyleGAN2 generator with the dual-stream residual network.
///
/// Reconstruction Stream: w = E(x) + w_avg; the generator runs on w block by block; at each stage m (coarse to fine)
/// F_m = GRM(T_m, f_rec^m) and f̂_rec^m = Fusion(f_rec^m, F_m); the generator continues from f̂_rec^m, so later
/// stages see the earlier fusions. Editing Stream: the generator runs on the edited code w'; at each stage the
/// residual F_m is aligned to f_edi^m by the GAM (F'_m) and fused with the same Gate&Fusion weights.
public final class GradStyleModel {
    public let encoder: any StyleEncoder
    public let generator: Generator
    public let network: GradStyleNetwork
    /// Added to the encoder's codes (pSp/e4e start_from_latent_avg); nil when the encoder predicts absolute codes.
    public var latentAverage: Tensor?

    public init(encoder: any StyleEncoder, generator: Generator, network: GradStyleNetwork, latentAverage: Tensor?) {
        self.encoder = encoder
        self.generator = generator
        self.network = network
        self.latentAverage = latentAverage
    }

    /// Fills a config's channel tables from the frozen models (generator width at each stage; encoder pyramid
    /// width at the stage it feeds — c3, p2, p1 from coarse to fine, as GRADSTYLE.md's Encoding Phase).
    public static func makeConfig(_ base: GradStyleConfig, encoder: any StyleEncoder, generator: Generator) throws -> GradStyleConfig {
        var c = base
        // The probe only reads shapes: run it in evaluation mode, or batch norm would fold the all-zero probe into
        // the frozen encoder's running statistics.
        let module = encoder as Module
        let wasTraining = module.isTraining
        module.eval()
        defer { module.train(wasTraining) }
        let probe = withInferenceMode {
            encoder.encode(Tensor.zeros([1, 3, encoder.inputSize, encoder.inputSize], device: generator.input.input.device))
        }
        let pyramid = [probe.pyramid.c3, probe.pyramid.p2, probe.pyramid.p1]
        for (i, s) in c.stages.enumerated() {
            guard let g = generator.config.channels[s] else {
                throw ModelError("gradstyle stage \(s) is not a resolution of the \(generator.size)² generator")
            }
            c.generatorChannels[s] = g
            c.encoderChannels[s] = encoderFeature(pyramid, stageIndex: i, stageCount: c.stages.count).size(1)
        }
        return c
    }

    /// T_m for stage i of `count`: the finest stages take the finest pyramid levels (c3 → p2 → p1), so a single
    /// stage at 64² reads p1 and three stages read c3, p2, p1.
    static func encoderFeature(_ pyramid: [Tensor], stageIndex i: Int, stageCount n: Int) -> Tensor {
        let offset = Swift.max(0, pyramid.count - n)
        return pyramid[Swift.min(pyramid.count - 1, offset + i)]
    }

    func pyramidList(_ p: FeaturePyramid) -> [Tensor] { [p.c3, p.p2, p.p1] }

    /// The W+ code of images x (N×3×S×S in [-1,1] at the encoder's input size).
    public func encode(_ x: Tensor) -> (latent: Tensor, pyramid: FeaturePyramid) {
        encoder.latents(x, meanLatent: latentAverage)
    }

    /// The Reconstruction Stream. `useResiduals: false` gives the plain e4e inversion (same code, no residuals).
    public func reconstruct(_ x: Tensor, noise: NoiseMode = .const, useResiduals: Bool = true) -> Reconstruction {
        let (w, pyramid) = encode(x)
        return reconstruct(latent: w, pyramid: pyramid, noise: noise, useResiduals: useResiduals)
    }

    public func reconstruct(latent w: Tensor, pyramid: FeaturePyramid, noise: NoiseMode = .const,
                            useResiduals: Bool = true) -> Reconstruction {
        var residuals: [Tensor] = [], features: [Tensor] = []
        let levels = pyramidList(pyramid)
        let stages = network.config.stages
        let point = network.injectPoint
        let image = generator.synthesis(w, noise: noise) { resolution, p, f in
            guard useResiduals, p == point, let i = self.network.stageIndex(resolution) else { return f }
            let t = GradStyleModel.encoderFeature(levels, stageIndex: i, stageCount: stages.count)
            let r = self.network.grms[i](encoderFeature: t, generatorFeature: f)
            residuals.append(r)
            features.append(f)
            return self.network.fusions[i](feature: f, residual: r)
        }
        return Reconstruction(image: image, latent: w, residuals: residuals, features: features, pyramid: pyramid)
    }

    /// The Editing Stream: the generator on `editedLatent`, with the reconstruction's residuals aligned stage by
    /// stage to the edited features and fused.
    public func edit(_ rec: Reconstruction, editedLatent: Tensor, noise: NoiseMode = .const) -> EditResult {
        edit(residuals: rec.residuals, reconstructionFeatures: rec.features, editedLatent: editedLatent, noise: noise)
    }

    /// `fusionLearns: false` (training): the shared Gate&Fusion weights are used without receiving gradients.
    public func edit(residuals: [Tensor], reconstructionFeatures: [Tensor], editedLatent: Tensor,
                     noise: NoiseMode = .const, fusionLearns: Bool = true) -> EditResult {
        precondition(residuals.count == network.config.stages.count, "GradStyleModel.edit: one residual per stage")
        var aligned: [Tensor] = [], features: [Tensor] = []
        let point = network.injectPoint
        let config = network.config
        let image = generator.synthesis(editedLatent, noise: noise) { resolution, p, f in
            guard p == point, let i = self.network.stageIndex(resolution) else { return f }
            let needsRec = self.network.gams[i].needsReconstruction
            let a = self.network.gams[i](query: f, residual: residuals[i],
                                         reconstruction: needsRec ? reconstructionFeatures[i] : nil, config: config)
            aligned.append(a)
            features.append(f)
            return self.network.fusions[i](feature: f, residual: a, learns: fusionLearns)
        }
        return EditResult(image: image, alignedResiduals: aligned, features: features)
    }
}
