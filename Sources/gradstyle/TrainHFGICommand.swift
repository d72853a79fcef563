import ArgumentParser
import Foundation
import Models
import Pipelines
import TensorIO
import Torch

struct TrainHFGICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hfgi",
        abstract: "Train HFGI's residual encoder and ADA on a frozen e4e encoder and generator (the public recipe).",
        discussion: """
        As Tengfei-Wang/HFGI's train.sh: the distortion map x − G(E(x)) is warped by a random perspective \
        (--distortion-scale, applied to a batch with probability --distortion-rate), ADA aligns it back to the \
        first-pass image, the residual encoder turns it into the conditions fused at 64², and the loss is \
        L2 + LPIPS + ID on the final image plus --lambda-res × |ADA output − map|. Writes OUT/checkpoint.safetensors \
        (exact resume), OUT/model.safetensors (what `invert|edit|eval --method hfgi` take) and OUT/samples/ \
        (source | e4e | HFGI | HFGI from a distorted map). LPIPS and ID terms need their weight files; without them \
        they are left out, and the run says so.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Inversion model: a pSp/e4e/HFGI .pt or our .safetensors (encoder + generator + latent_avg, 64² or larger).")
    var encoder: String

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
    @Option(help: "Weight of the ADA loss |ADA output − undistorted map|.") var lambdaRes: Double = 0.1
    @Option(parsing: .upToNextOption, help: "LPIPS weight files (torchvision alexnet + lpips alex.pth, or our .safetensors).")
    var lpipsWeights: [String] = []
    @Option(help: "ArcFace IR-SE50 weights for the ID loss (faces).") var arcface: String?
    @Option(help: "RandomPerspective distortion scale, 0 to 1.") var distortionScale: Double = 0.15
    @Option(help: "Probability that a batch's distortion map is warped, 0 to 1.") var distortionRate: Double = 0.9
    @Option(help: "Generator noise while training: random (the recipe) or const (the stored maps).") var noise: String = "random"
    @Option(help: "Hidden width of the residual encoder's condition heads.") var conditionHidden: Int = 512

    @Option var checkpointEvery: Int = 500
    @Option var sampleEvery: Int = 500
    @Flag(help: "Continue from OUT/checkpoint.safetensors.") var resume = false

    func validate() throws {
        try OptionCheck.count(steps, "--steps")
        try OptionCheck.count(batch, "--batch", max: 4096)
        try OptionCheck.positive(learningRate, "--lr", max: 10)
        guard ["ranger", "adam"].contains(optimizer) else { throw ValidationError("invalid --optimizer '\(optimizer)': ranger or adam") }
        for (value, flag) in [(lambdaL2, "--lambda-l2"), (lambdaLpips, "--lambda-lpips"), (lambdaId, "--lambda-id"), (lambdaRes, "--lambda-res")] {
            try OptionCheck.double(value, flag, 0...1e6)
        }
        try OptionCheck.double(distortionScale, "--distortion-scale", 0...1)
        try OptionCheck.double(distortionRate, "--distortion-rate", 0...1)
        guard ["random", "const"].contains(noise) else { throw ValidationError("invalid --noise '\(noise)': random or const") }
        try OptionCheck.count(conditionHidden, "--condition-hidden", max: 4096)
        try OptionCheck.count(checkpointEvery, "--checkpoint-every")
        try OptionCheck.count(sampleEvery, "--sample-every")
    }

    func run() throws {
        let device = try global.apply()
        var options = HFGITrainingOptions()
        options.batch = batch
        options.learningRate = learningRate
        options.optimizer = optimizer
        options.lambdaL2 = lambdaL2
        options.lambdaLPIPS = lambdaLpips
        options.lambdaID = lambdaId
        options.lambdaRes = lambdaRes
        options.distortionScale = distortionScale
        options.distortionRate = distortionRate
        options.noise = noise
        options.conditionHidden = conditionHidden
        options.checkpointEvery = checkpointEvery
        options.sampleEvery = sampleEvery
        try options.validate()

        let outURL = URL(fileURLWithPath: out)
        let hasCheckpoint = FileManager.default.fileExists(atPath: outURL.appendingPathComponent(HFGITrainingStep.checkpointName).path)
        if hasCheckpoint && !resume {
            throw ValidationError("\(out) already holds a checkpoint: pass --resume to continue it, or choose another --out")
        }

        let inversion = try InversionModel.load(URL(fileURLWithPath: encoder), device: device)
        let model: HFGIModel
        do { model = try HFGITrainingStep.makeModel(inversion: inversion, options: options) } catch let e as ModelError {
            throw ValidationError("--encoder \(encoder): \(e.message)")
        }

        var dataOptions = ImageFolderDataset.Options(resolution: inversion.encoder.inputSize)
        dataOptions.device = device
        let dataset = try ImageFolderDataset(root: URL(fileURLWithPath: data), options: dataOptions)
        // Notes are said once every input is known to be usable (a mistake stays the first line).
        var notes = inversion.notes.filter { !$0.hasPrefix("HFGI checkpoint") }
        if HFGIModel.isHFGI(URL(fileURLWithPath: encoder)) {
            notes.append("--encoder holds HFGI networks already: training starts new ones, as the public recipe does")
        }
        var losses = ImageLosses()
        if !lpipsWeights.isEmpty {
            let lpips = try LPIPS.load(network: .alex, files: lpipsWeights.map { URL(fileURLWithPath: $0) }, device: device).eval().freeze()
            losses.perceptual = { lpips($0, $1) }
        } else if lambdaLpips > 0 {
            notes.append("no --lpips-weights: the LPIPS term is left out")
        }
        if let arcface {
            let id = try IDLoss.load(URL(fileURLWithPath: arcface), device: device)
            losses.identity = { id($0, $1).loss }
        } else if lambdaId > 0 {
            notes.append("no --arcface: the identity term is left out")
        }

        let step = try HFGITrainingStep(model: model, data: dataset, options: options, losses: losses)
        for note in notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        step.quiet = global.quiet
        if resume, try step.resumeIfPossible(outURL) { print("resumed at step \(step.step)") }
        let trained = model.residue.parameterCount + model.gridAlign.parameterCount
        print("training HFGI (\(trained.grouped) parameters: residual encoder + ADA) on \(dataset.count) images until step \(steps)")
        try step.train(untilStep: steps, outDirectory: outURL)
        print("done: \(out)/\(HFGITrainingStep.modelFile)")
    }
}
