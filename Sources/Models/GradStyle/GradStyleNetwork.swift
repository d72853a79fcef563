import NN
import Torch

/// GradStyle's trainable parts, one entry per stage (coarse to fine): the Gradual Residual Modules and Gate&Fusion of
/// the Reconstruction Stream, and the Global Alignment Modules of the Editing Stream. The frozen generator and
/// encoder are not part of it (they are loaded from their own checkpoints or bundled beside it).
public final class GradStyleNetwork: Module {
    public let config: GradStyleConfig
    public let grms: ModuleList<GradualResidualModule>
    public let fusions: ModuleList<GateFusion>
    public let gams: ModuleList<GlobalAlignmentModule>

    /// `config.generatorChannels` / `encoderChannels` must name every stage (see `GradStyleModel.makeConfig`).
    public init(_ config: GradStyleConfig) throws {
        try config.validate()
        for s in config.stages where config.generatorChannels[s] == nil || config.encoderChannels[s] == nil {
            throw ModelError("gradstyle stage \(s): no generator/encoder channel count (is the stage within the generator's resolutions?)")
        }
        self.config = config
        grms = ModuleList(config.stages.map {
            GradualResidualModule(encoderChannels: config.encoderChannels[$0]!, generatorChannels: config.generatorChannels[$0]!,
                                  residualChannels: config.residualChannels, blocks: config.grmBlocks)
        })
        fusions = ModuleList(config.stages.map { GateFusion(channels: config.generatorChannels[$0]!, kind: config.fusion) })
        gams = ModuleList(config.stages.map { GlobalAlignmentModule(channels: config.generatorChannels[$0]!, resolution: $0, config: config) })
        super.init()
        registerModule("grm", grms)
        registerModule("fusion", fusions)
        registerModule("gam", gams)
    }

    public var injectPoint: InjectPoint { InjectPoint(rawValue: config.injectPoint) ?? .afterConv0 }

    public func stageIndex(_ resolution: Int) -> Int? { config.stages.firstIndex(of: resolution) }
}
