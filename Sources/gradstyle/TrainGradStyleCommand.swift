import ArgumentParser
import Foundation
import Pipelines

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
    @OptionGroup var distributed: DistributedOptions

    @Option(help: "Inversion model: a pSp/e4e/HFGI .pt or our .safetensors (encoder + generator + latent_avg).")
    var encoder: String

    @Option(help: "A generator checkpoint replacing the one inside --encoder's file.")
    var generator: String?

    @OptionGroup var training: InversionTrainingFlags
    @Option var lambdaAlign: Double = 0.1
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

    /// The network options these flags describe, each name checked against the ones the network knows.
    func networkOptions() throws -> GradStyleNetworkOptions {
        func check(_ value: String, _ flag: String, _ names: [String]) throws {
            guard names.contains(value) else {
                throw ValidationError("invalid \(flag) '\(value)': \(names.joined(separator: ", "))")
            }
        }
        var n = GradStyleNetworkOptions()
        n.stages = try stages.split(separator: ",").map { s -> Int in
            guard let v = Int(s) else { throw ValidationError("invalid --stages entry '\(s)'") }
            return v
        }
        guard !n.stages.isEmpty else { throw ValidationError("invalid --stages '\(stages)': expected resolutions, e.g. 16,32,64") }
        n.injectPoint = injectPoint
        n.residualChannels = residualChannels
        n.grmBlocks = grmBlocks
        try check(fusion, "--fusion", GradStyleNetworkOptions.fusionKinds)
        n.fusion = fusion
        n.heads = heads
        n.headDim = headDim
        n.alignerBlocks = alignerBlocks
        try check(keySource, "--key-source", GradStyleNetworkOptions.keySources)
        n.keySource = keySource
        try check(attention, "--attention", GradStyleNetworkOptions.attentionKinds)
        n.attention = attention
        n.selectRatio = selectRatio
        try check(positionEncoding, "--position-encoding", GradStyleNetworkOptions.positionEncodings)
        n.positionEncoding = positionEncoding
        n.alignerPath = try OptionCheck.alignerPath(alignerPath)
        n.window = try OptionCheck.attentionWindow(window)
        n.windowFrom = windowFrom
        n.singleStage = singleStage
        do { _ = try n.config() } catch { throw ValidationError("invalid GradStyle network: \(error)") }
        return n
    }

    /// The training options these flags describe.
    func trainingOptions() throws -> GradStyleTrainingOptions {
        var options = GradStyleTrainingOptions()
        training.apply(to: &options)
        options.lambdaAlign = lambdaAlign
        guard let m = MisalignKind(rawValue: misalign) else {
            throw ValidationError("invalid --misalign '\(misalign)': \(MisalignKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        options.misalign = m
        options.misalignStrength = misalignStrength
        let mix = misalignMix.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard mix.count == 3, let none = mix[0], let small = mix[1], let large = mix[2] else {
            throw ValidationError("invalid --misalign-mix '\(misalignMix)': three proportions NONE:SMALL:LARGE, e.g. 0.25:0.25:0.5")
        }
        let mixture = MisalignMixture(none: none, small: small, large: large, smallStrength: misalignSmall)
        do { try mixture.validate() } catch { throw ValidationError("invalid --misalign-mix / --misalign-small: \(error)") }
        options.misalignMix = mixture
        options.editTrainsResiduals = editTrainsResiduals
        options.editTrainsFusion = editTrainsFusion
        do { try options.validate() } catch { throw ValidationError("\(error)") }
        return options
    }

    func run() throws {
        var job = GradStyleTrainingJob(inputs: training.inputs(encoder: encoder))
        guard try distributed.start(&job.inputs.trainingRun, global: global, resume: training.resume) else { return }
        job.options = try trainingOptions()
        job.network = try networkOptions()
        job.generator = generator.map { URL(fileURLWithPath: $0) }
        job.bundleName = prefix
        job.mergeInto = mergeInto.map { URL(fileURLWithPath: $0) }
        try TrainCommand.run(out: training.out) { try job.run() }
    }
}
