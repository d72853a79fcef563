import Foundation
import Models
import NN
import TensorIO
import Torch

/// How verbs turn `--model FILE` and `--method` into a model.
public enum ModelLoading {
    /// A GradStyle model for `method`: the bundle's main network (gradstyle), its one-shot baseline (single-stage),
    /// or — for e4e — any inversion model (a pSp/e4e/HFGI .pt works too), with an inert network (α = 0: the
    /// Reconstruction Stream then returns exactly the e4e output, and `useResiduals: false` skips it).
    public static func gradStyleModel(_ url: URL, method: InversionMethod, device: Device) throws -> GradStyleModel {
        switch method {
        case .gradstyle:
            return try GradStyleBundle.load(url, prefix: GradStyleBundle.mainPrefix, device: device)
        case .singleStage:
            return try GradStyleBundle.load(url, prefix: GradStyleBundle.singleStagePrefix, device: device)
        case .e4e:
            return try inert(InversionModel.load(url, device: device).eval(), device: device)
        case .hfgi:
            return try hfgi(url, device: device).gradstyle
        }
    }

    /// HFGI's networks and, for jobs written for GradStyle models, its e4e part with an inert network.
    public static func hfgi(_ url: URL, device: Device) throws -> (hfgi: HFGIModel, gradstyle: GradStyleModel) {
        let model = try HFGIModel.load(url, device: device).eval()
        return (model, try inert(model.inversion, device: device))
    }

    /// The method for a model file when none is asked for: hfgi for a file with HFGI's networks, else `fallback`.
    public static func defaultMethod(for url: URL, fallback: InversionMethod) -> InversionMethod {
        HFGIModel.isHFGI(url) ? .hfgi : fallback
    }

    /// An inversion model as a GradStyle model whose network does nothing (the e4e output).
    static func inert(_ inversion: InversionModel, device: Device) throws -> GradStyleModel {
        var config = GradStyleConfig()
        let stage = inversion.generator.config.resolutions.dropFirst().first ?? 4
        config.stages = [stage]
        config.residualChannels = 1
        config.grmBlocks = 0
        config.alignerBlocks = 0
        config.fusion = .add
        let filled = try GradStyleModel.makeConfig(config, encoder: inversion.encoder, generator: inversion.generator)
        return GradStyleModel(inversion: inversion, network: try GradStyleNetwork(filled).to(device: device).eval())
    }
}
