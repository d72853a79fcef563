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
    /// The inversion model: a pSp/e4e/HFGI .pt or our .safetensors (encoder + generator + latent_avg).
    public var encoder: URL
    /// A generator checkpoint replacing the inversion model's (same architecture).
    public var generator: URL?
    /// Folder of training images (brought to the encoder's input size).
    public var data: URL
    public var out: URL
    public var steps: Int
    public var network = GradStyleNetworkOptions()
    public var options = GradStyleTrainingOptions()
    public var lpipsWeights: [URL] = []
    public var arcface: URL?
    /// The trained network's name in the bundle (nil: `network.defaultBundleName`).
    public var bundleName: String?
    /// A bundle whose other networks are copied into `out/model.safetensors` (both baselines in one file).
    public var mergeInto: URL?
    /// Continue `out/checkpoint.safetensors` (without it, a folder holding one is refused).
    public var resume = false
    public var device: Device = .cpu
    public var quiet = false
    public var messages = TrainingMessages()
    /// One process, or one rank of a data-parallel run (`options.batch` is then per rank).
    public var distributed = DistributedTraining()

    public init(encoder: URL, data: URL, out: URL, steps: Int) {
        (self.encoder, self.data, self.out, self.steps) = (encoder, data, out, steps)
    }

    public func run() throws {
        try options.validate()
        let base = try network.config()
        let parallel = try distributed.join(job: ["verb": "train gradstyle", "encoder": encoder.path,
                                                  "generator": generator?.path ?? "", "data": data.path, "out": out.path,
                                                  "steps": "\(steps)", "resume": "\(resume)", "network": "\(base)",
                                                  "weights": ([arcface].compactMap { $0?.path } + lpipsWeights.map(\.path)).joined(separator: ","),
                                                  "bundle": "\(bundleName ?? "") \(mergeInto?.path ?? "")"],
                                            options: options, device: device)
        var options = options
        options.batch *= parallel.worldSize  // the global batch, which the loop splits by rank
        let messages = parallel.writesOutputs ? self.messages : TrainingMessages(say: { _ in }, note: { _ in })
        let session = try TrainingSession(out: out, resume: resume, messages: messages, writes: parallel.writesOutputs,
                                          inputs: [encoder, data, generator, mergeInto, arcface] + lpipsWeights.map(Optional.some))

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

        var losses = ImageLosses()
        if !lpipsWeights.isEmpty {
            let lpips = try LPIPS.load(network: .alex, files: lpipsWeights, device: device).eval().freeze()
            losses.perceptual = { lpips($0, $1) }
        } else if options.lambdaLPIPS > 0 {
            messages.note("no LPIPS weights: the LPIPS term is left out")
        }
        if let arcface {
            let id = try IDLoss.load(arcface, device: device)
            losses.identity = { id($0, $1).loss }
        } else if options.lambdaID > 0 {
            messages.note("no ArcFace weights: the identity term is left out")
        }

        var dataOptions = ImageFolderDataset.Options(resolution: inversion.encoder.inputSize)
        dataOptions.device = device
        let dataset = try ImageFolderDataset(root: data, options: dataOptions)
        let trainer = try GradStyleTrainer(model: model, data: dataset, options: options, losses: losses)
        trainer.quiet = quiet || !parallel.writesOutputs
        let loop = TrainingLoop(trainer, parallel: parallel)
        try session.resumeIfAsked(loop)

        let name = bundleName ?? network.defaultBundleName
        var others: [String: GradStyleNetwork] = [:]
        if let mergeInto {
            let file = try CheckpointFile(mergeInto)
            for p in GradStyleBundle.networkPrefixes(file) where p != name {
                others[p] = try GradStyleBundle.loadNetwork(file, prefix: p, device: device)
            }
        }
        trainer.publishedBundle = GradStyleTrainer.PublishedBundle(inversion: inversion, name: name, otherNetworks: others)
        guard try session.train(loop, until: .steps(steps), description: { target in
            "training GradStyle '\(name)' (\(gradstyle.parameterCount.grouped) parameters; \(config.summary)) on \(dataset.count) images until step \(target)"
        }) else { return }
        messages.say("done: \(out.relativePath)/\(GradStyleTrainer.bundleName)")
    }
}
