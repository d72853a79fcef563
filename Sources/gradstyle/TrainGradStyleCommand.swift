import ArgumentParser
import Foundation
import Models
import Pipelines
import TensorIO
import Torch

struct TrainGradStyleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradstyle",
        abstract: "Train GradStyle's Reconstruction and Editing Streams on a frozen encoder and generator.",
        discussion: """
        Self-supervised (no edited labels): reconstruction losses, a random perspective/affine warp of the inputs \
        playing the edit (a mixture of no, small and full-strength warps: --misalign-mix), and the aligner loss. Writes OUT/checkpoint.safetensors (exact resume), \
        OUT/model.safetensors (the bundle `invert`/`edit` take: encoder + generator + latent_avg + the network) and \
        OUT/samples/ (source | e4e | GradStyle | shift edit). LPIPS and ID terms need their weight files; without them \
        they are left out, and the run says so.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Inversion model: a pSp/e4e/HFGI .pt or our .safetensors (encoder + generator + latent_avg).")
    var encoder: String

    @Option(help: "A generator checkpoint replacing the one inside --encoder's file.")
    var generator: String?

    @Option(help: "Folder of training images (brought to the encoder's input size).")
    var data: String

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "Train until this step.") var steps: Int
    @Option var batch: Int = 8
    @Option(name: .customLong("lr")) var learningRate: Double = 1e-4
    @Option(help: "ranger or adam.") var optimizer: String = "ranger"
    @Option var lambdaL2: Double = 1
    @Option var lambdaLpips: Double = 0.8
    @Option var lambdaId: Double = 0.1
    @Option var lambdaAlign: Double = 0.1
    @Option(parsing: .upToNextOption, help: "LPIPS weight files (torchvision alexnet + lpips alex.pth, or our .safetensors).")
    var lpipsWeights: [String] = []
    @Option(help: "ArcFace IR-SE50 weights for the ID loss (faces).") var arcface: String?
    @Option(help: "warp, feature_warp or none.") var misalign: String = "warp"
    @Option var misalignStrength: Double = 0.15
    @Option(help: "Proportions of samples with no warp, a small warp and a full-strength warp, NONE:SMALL:LARGE.")
    var misalignMix: String = "0.25:0.25:0.5"
    @Option(help: "Strength of the small warps of --misalign-mix.") var misalignSmall: Double = 0.05
    @Flag(help: "Let the Editing Stream's losses train the Gradual Residual Modules too (default: they train the Aligners; the residual modules learn from the reconstruction alone).")
    var editTrainsResiduals = false
    @Flag(help: "Let the Editing Stream's losses train the shared Gate&Fusion too (default: the fusion learns from the reconstruction alone).")
    var editTrainsFusion = false

    @Option(help: "Injection stages, coarse to fine, e.g. 16,32,64.") var stages: String = "16,32,64"
    @Option(help: "after_conv0 or after_conv1.") var injectPoint: String = "after_conv0"
    @Option var residualChannels: Int = 256
    @Option var grmBlocks: Int = 2
    @Option(help: "gate, modulation or add.") var fusion: String = "gate"
    @Option var heads: Int = 4
    @Option var headDim: Int = 64
    @Option var alignerBlocks: Int = 1
    @Option(help: "residual, reconstruction or both.") var keySource: String = "residual"
    @Option(help: "selective or full.") var attention: String = "selective"
    @Option var selectRatio: Double = 1.0 / 16
    @Option(help: "Position information for the Aligner: none, sinusoidal (codes on queries and keys) or relative (a learned bias per window offset; windowed stages).")
    var positionEncoding: String = "none"
    @Option(help: "How the Aligner's output becomes the aligned residual: motion_gate (keep F_m where the edited and reconstruction features agree), scalar_gate (F_m + γ·A) or attention (A alone, the first design).")
    var alignerPath: String = "motion_gate"
    @Option(help: "Attention window side (odd) at stages ≥ --window-from; 0 = attention over all positions everywhere.")
    var window: Int = 7
    @Option(help: "Stages at and above this resolution attend within the window, coarser ones globally.")
    var windowFrom: Int = 32
    @Flag(help: "The one-shot baseline: one stage at 64² (or the finest stage given), full attention.")
    var singleStage = false
    @Option(help: "Name of the network in the bundle (default: gradstyle, or single_stage with --single-stage).")
    var prefix: String?
    @Option(help: "Copy the other networks of this bundle into OUT/model.safetensors (to keep both baselines in one file).")
    var mergeInto: String?

    @Option var checkpointEvery: Int = 500
    @Option var sampleEvery: Int = 500
    @Flag(help: "Continue from OUT/checkpoint.safetensors.") var resume = false

    func makeConfig() throws -> GradStyleConfig {
        var c = GradStyleConfig()
        let list = try stages.split(separator: ",").map { s -> Int in
            guard let v = Int(s) else { throw ValidationError("invalid --stages entry '\(s)'") }
            return v
        }
        guard !list.isEmpty else { throw ValidationError("invalid --stages '\(stages)': expected resolutions, e.g. 16,32,64") }
        c.stages = list
        c.injectPoint = injectPoint
        c.residualChannels = residualChannels
        c.grmBlocks = grmBlocks
        guard let f = FusionKind(rawValue: fusion) else { throw ValidationError("invalid --fusion '\(fusion)': gate, modulation or add") }
        c.fusion = f
        c.heads = heads
        c.headDim = headDim
        c.alignerBlocks = alignerBlocks
        guard let k = KeySource(rawValue: keySource) else { throw ValidationError("invalid --key-source '\(keySource)'") }
        c.keySource = k
        guard let a = AttentionKind(rawValue: attention) else { throw ValidationError("invalid --attention '\(attention)'") }
        c.attention = a
        c.selectRatio = selectRatio
        guard let position = PositionEncoding(rawValue: positionEncoding) else {
            throw ValidationError("invalid --position-encoding '\(positionEncoding)': none, sinusoidal or relative")
        }
        c.positionEncoding = position == .none ? nil : position
        c.alignerPath = try OptionCheck.alignerPath(alignerPath)
        c.window = try OptionCheck.attentionWindow(window)
        c.windowFrom = windowFrom
        if singleStage {
            c.stages = [list.contains(64) ? 64 : list.max()!]
            c.attention = .full
            c.window = nil
        }
        try c.validate()
        return c
    }

    func run() throws {
        let device = try global.apply()
        var options = GradStyleTrainingOptions()
        options.batch = batch
        options.learningRate = learningRate
        options.optimizer = optimizer
        options.lambdaL2 = lambdaL2
        options.lambdaLPIPS = lambdaLpips
        options.lambdaID = lambdaId
        options.lambdaAlign = lambdaAlign
        guard let m = MisalignKind(rawValue: misalign) else { throw ValidationError("invalid --misalign '\(misalign)'") }
        options.misalign = m
        options.misalignStrength = misalignStrength
        let mix = misalignMix.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard mix.count == 3, let none = mix[0], let small = mix[1], let large = mix[2] else {
            throw ValidationError("invalid --misalign-mix '\(misalignMix)': three proportions NONE:SMALL:LARGE, e.g. 0.25:0.25:0.5")
        }
        options.misalignMix = MisalignMixture(none: none, small: small, large: large, smallStrength: misalignSmall)
        options.editTrainsResiduals = editTrainsResiduals
        options.editTrainsFusion = editTrainsFusion
        do { try options.misalignMix!.validate() } catch { throw ValidationError("invalid --misalign-mix / --misalign-small: \(error)") }
        options.checkpointEvery = checkpointEvery
        options.sampleEvery = sampleEvery
        try options.validate()
        let base = try makeConfig()

        let inversion = try InversionModel.load(URL(fileURLWithPath: encoder), device: device)
        for note in inversion.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        if let generator {
            let g = try GeneratorCheckpoint.load(URL(fileURLWithPath: generator), device: device).generator
            guard g.config == inversion.generator.config else {
                throw ValidationError("--generator \(generator) has a different architecture from the encoder's generator")
            }
            try inversion.generator.loadStateDict(Dictionary(uniqueKeysWithValues: g.stateDict().map { ($0.name, $0.tensor) }))
        }
        let config = try GradStyleModel.makeConfig(base, encoder: inversion.encoder, generator: inversion.generator)
        let network = try GradStyleNetwork(config).to(device: device)
        let model = GradStyleModel(inversion: inversion, network: network)

        var losses = ImageLosses()
        if !lpipsWeights.isEmpty {
            let lpips = try LPIPS.load(network: .alex, files: lpipsWeights.map { URL(fileURLWithPath: $0) }, device: device).eval().freeze()
            losses.perceptual = { lpips($0, $1) }
        } else if lambdaLpips > 0 {
            FileHandle.standardError.write(Data("note: no --lpips-weights: the LPIPS term is left out\n".utf8))
        }
        if let arcface {
            let id = try IDLoss.load(URL(fileURLWithPath: arcface), device: device)
            losses.identity = { id($0, $1).loss }
        } else if lambdaId > 0 {
            FileHandle.standardError.write(Data("note: no --arcface: the identity term is left out\n".utf8))
        }

        var dataOptions = ImageFolderDataset.Options(resolution: inversion.encoder.inputSize)
        dataOptions.device = device
        let dataset = try ImageFolderDataset(root: URL(fileURLWithPath: data), options: dataOptions)
        let trainer = try GradStyleTrainer(model: model, data: dataset, options: options, losses: losses)
        trainer.quiet = global.quiet
        let outURL = URL(fileURLWithPath: out)
        let lock = try OutputLock(outURL)  // held for the whole run, resume included
        defer { withExtendedLifetime(lock) {} }
        let hasCheckpoint = FileManager.default.fileExists(atPath: outURL.appendingPathComponent(GradStyleTrainer.checkpointName).path)
        if hasCheckpoint && !resume {
            throw ValidationError("\(out) already holds a checkpoint: pass --resume to continue it, or choose another --out")
        }
        if resume, try trainer.resumeIfPossible(outURL) { print("resumed at step \(trainer.step)") }

        let name = prefix ?? (singleStage ? GradStyleBundle.singleStagePrefix : GradStyleBundle.mainPrefix)
        var others: [String: GradStyleNetwork] = [:]
        if let mergeInto {
            let file = try CheckpointFile(URL(fileURLWithPath: mergeInto))
            for p in GradStyleBundle.networkPrefixes(file) where p != name {
                others[p] = try GradStyleBundle.loadNetwork(file, prefix: p, device: device)
            }
        }
        print("training GradStyle '\(name)' (\(network.parameterCount.grouped) parameters; \(config.summary)) on \(dataset.count) images until step \(steps)")
        try trainer.train(untilStep: steps, outDirectory: outURL) { t in
            var networks = others
            networks[name] = t.model.network
            try GradStyleBundle.save(inversion: inversion, networks: networks, to: outURL.appendingPathComponent("model.safetensors"),
                                     extraMetadata: ["gradstyle.\(name).trained_steps": String(t.step)])
        }
        print("done: \(out)/model.safetensors")
    }
}
