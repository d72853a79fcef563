import Models
import NN
import Torch

/// A tiny complete GradStyle stack for tests: a 16² generator, an e4e with a one-unit IR backbone at 64² input
/// (pyramid 4², 8², 16²) and a network injecting at 4², 8², 16².
func makeTinyGradStyle(seed: UInt64 = 7, config edit: (inout GradStyleConfig) -> Void = { _ in }) throws -> (GradStyleModel, InversionModel) {
    Torch.manualSeed(seed)
    let g = Generator(GeneratorConfig(size: 16, styleDim: 16, mappingLayers: 1, channels: [4: 16, 8: 16, 16: 8]))
    let backbone = IRBackboneConfig(units: [1, 1, 1, 1], widths: [8, 8, 16, 16], seReduction: 4)
    let e = FPNStyleEncoder.make(EncoderConfig(type: .e4e, generatorSize: 16, styleDim: 16, backbone: backbone, inputSize: 64))
    let inversion = try InversionModel(encoder: e, generator: g, latentAverage: g.meanLatent(count: 256))
    var base = GradStyleConfig()
    base.stages = [4, 8, 16]
    base.residualChannels = 8
    base.heads = 2
    base.headDim = 4
    base.selectRatio = 0.25
    edit(&base)
    let config = try GradStyleModel.makeConfig(base, encoder: e, generator: g)
    return (GradStyleModel(inversion: inversion, network: try GradStyleNetwork(config)), inversion)
}
