import Foundation
import Models
import TensorIO
import Torch

/// `gradstyle train gradstyle`: GradStyle's Reconstruction and Editing Streams trained on a frozen encoder and
/// generator (`GradStyleTrainer` steps in `TrainingLoop`). Writes `out/checkpoint.safetensors` (exact resume),
/// `out/model.safetensors` (the bundle `invert`/`edit` take: the inversion model, the trained network under
/// `bundleName`, and the other networks of `mergeInto`) and `out/samples/`. LPIPS and identity terms need their
/// weight files; without them they are left out, and the job says so.
public struct GradStyleTrainingJob {
    /// The inversion model, data, output folder, steps, loss weights files, resume, device and messages.
    public var inputs: InversionTrainingInputs
    /// A generator checkpoint replacing the inversion model's (same architecture).
    public var generator: URL?
    public var network = GradStyleNetworkOptions()
    public var options = GradStyleTrainingOptions()
    /// The trained network's name in the bundle (nil: `network.defaultBundleName`).
    public var bundleName: String?
    /// A bundle on the same inversion model whose other networks (GradStyle's and HFGI's) are copied into
    /// `out/model.safetensors`, so that one file holds every method.
    public var mergeInto: URL?

    public init(inputs: InversionTrainingInputs) { self.inputs = inputs }

    public init(encoder: URL, data: URL, out: URL, steps: Int) {
        self.init(inputs: InversionTrainingInputs(encoder: encoder, data: data, out: out, steps: steps))
    }

    public func run() throws {
        try options.validate()
        let base = try network.config()
        let (encoder, data, out, device) = (inputs.encoder, inputs.data, inputs.trainingRun.out, inputs.trainingRun.device)
        let rank = try inputs.trainingRun.join(verb: "train gradstyle",
                                               fields: ["encoder": encoder.path, "generator": generator?.path ?? "",
                                                        "data": data.path, "steps": "\(inputs.steps)", "network": "\(base)",
                                                        "weights": inputs.weightsDescription,
                                                        "bundle": "\(bundleName ?? "") \(mergeInto?.path ?? "")"],
                                               options: options)
        let (parallel, messages) = (rank.parallel, rank.messages)
        var options = options
        options.batch *= parallel.worldSize  // the global batch, which the loop splits by rank
        let session = try rank.openSession(inputs: [encoder, data, generator, mergeInto, inputs.arcface]
                                               + inputs.lpipsWeights.map(Optional.some))

        let inversion = try InversionModel.load(encoder, device: device)
        for note in inversion.notes { messages.note(note) }
        if let generator {
            let g = try GeneratorCheckpoint.load(generator, device: device).generator
            guard g.config == inversion.generator.config else {
                throw ModelError("\(generator.relativePath): the generator's architecture differs from the inversion model's")
            }
            try inversion.generator.loadStateDict(Dictionary(uniqueKeysWithValues: g.stateDict().map { ($0.name, $0.tensor) }))
        }
        let config = try GradStyleModel.makeConfig(base, encoder: inversion.encoder, generator: inversion.generator)
        let gradstyle = try GradStyleNetwork(config).to(device: device)
        let model = GradStyleModel(inversion: inversion, network: gradstyle)

        let (losses, notes) = try inputs.imageLosses(lambdaLPIPS: options.lambdaLPIPS, lambdaID: options.lambdaID)
        for note in notes { messages.note(note) }

        var dataOptions = ImageFolderDataset.Options(resolution: inversion.encoder.inputSize)
        dataOptions.device = device
        let dataset = try ImageFolderDataset(root: data, options: dataOptions)
        let trainer = try GradStyleTrainer(model: model, data: dataset, options: options, losses: losses)
        trainer.quiet = !rank.printsProgress
        let loop = TrainingLoop(trainer, parallel: parallel)
        try session.resumeIfAsked(loop)

        let name = bundleName ?? network.defaultBundleName
        var published = GradStyleTrainer.PublishedBundle(inversion: inversion, name: name)
        if let mergeInto {
            let other = try BundleContents.read(mergeInto)
            // Networks trained on another encoder or generator would not fit this one: refused before training.
            if let why = BundleMerge.sharedDifference(try inversion.fileContents().tensors, other.tensors) {
                throw PipelineError("\(mergeInto.relativePath): its encoder/generator/latent_avg differ from this run's (\(why))")
            }
            published.mergeInto = (other, mergeInto.relativePath)
        }
        trainer.publishedBundle = published
        guard try session.train(loop, until: .steps(inputs.steps), description: { target in
            "training GradStyle '\(name)' (\(gradstyle.parameterCount.grouped) parameters; \(config.summary)) on \(dataset.count) images until step \(target)"
        }) else { return }
        messages.say("done: \(out.relativePath)/\(GradStyleTrainer.bundleName)")
    }
}
