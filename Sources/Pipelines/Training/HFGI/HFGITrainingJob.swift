import Foundation
import Models
import Torch

/// `gradstyle train hfgi`: HFGI's residual encoder and ADA trained on a frozen e4e encoder and generator with the
/// public recipe (`HFGITrainingStep` steps in `TrainingLoop`). Writes `out/checkpoint.safetensors` (exact resume),
/// `out/model.safetensors` (what `invert|edit|eval --method hfgi` take: the inversion model plus `residue.*` and
/// `grid_align.*`) and `out/samples/`. LPIPS and identity terms need their weight files; without them they are left
/// out, and the job says so.
public struct HFGITrainingJob {
    /// The inversion model: a pSp/e4e/HFGI .pt or our .safetensors (encoder + generator + latent_avg), generator
    /// 64² or larger.
    public var encoder: URL
    /// Folder of training images (brought to the encoder's input size).
    public var data: URL
    public var out: URL
    public var steps: Int
    public var options = HFGITrainingOptions()
    public var lpipsWeights: [URL] = []
    public var arcface: URL?
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
        let parallel = try distributed.join(job: ["verb": "train hfgi", "encoder": encoder.path, "data": data.path,
                                                  "out": out.path, "steps": "\(steps)", "resume": "\(resume)",
                                                  "weights": ([arcface].compactMap { $0?.path } + lpipsWeights.map(\.path)).joined(separator: ",")],
                                            options: options, device: device)
        var options = options
        options.batch *= parallel.worldSize  // the global batch, which the loop splits by rank
        let messages = parallel.writesOutputs ? self.messages : TrainingMessages(say: { _ in }, note: { _ in })
        let session = try TrainingSession(out: out, resume: resume, messages: messages, writes: parallel.writesOutputs,
                                          inputs: [encoder, data, arcface] + lpipsWeights.map(Optional.some))

        let inversion = try InversionModel.load(encoder, device: device)
        let model: HFGIModel
        do { model = try HFGITrainingStep.makeModel(inversion: inversion, options: options) } catch let e as ModelError {
            throw ModelError("\(encoder.relativePath): \(e.message)")
        }
        var dataOptions = ImageFolderDataset.Options(resolution: inversion.encoder.inputSize)
        dataOptions.device = device
        let dataset = try ImageFolderDataset(root: data, options: dataOptions)

        // Notes are said once every input is known to be usable (a mistake stays the first line).
        var notes = inversion.notes.filter { !$0.hasPrefix("HFGI checkpoint") }
        if HFGIModel.isHFGI(encoder) {
            notes.append("\(encoder.relativePath) holds HFGI networks already: training starts new ones, as the public recipe does")
        }
        var losses = ImageLosses()
        if !lpipsWeights.isEmpty {
            let lpips = try LPIPS.load(network: .alex, files: lpipsWeights, device: device).eval().freeze()
            losses.perceptual = { lpips($0, $1) }
        } else if options.lambdaLPIPS > 0 {
            notes.append("no LPIPS weights: the LPIPS term is left out")
        }
        if let arcface {
            let id = try IDLoss.load(arcface, device: device)
            losses.identity = { id($0, $1).loss }
        } else if options.lambdaID > 0 {
            notes.append("no ArcFace weights: the identity term is left out")
        }
        let step = try HFGITrainingStep(model: model, data: dataset, options: options, losses: losses)
        step.quiet = quiet || !parallel.writesOutputs
        for note in notes { messages.note(note) }

        let loop = TrainingLoop(step, parallel: parallel)
        try session.resumeIfAsked(loop)
        let trained = model.residue.parameterCount + model.gridAlign.parameterCount
        guard try session.train(loop, until: .steps(steps), description: { target in
            "training HFGI (\(trained.grouped) parameters: residual encoder + ADA) on \(dataset.count) images until step \(target)"
        }) else { return }
        messages.say("done: \(out.relativePath)/\(HFGITrainingStep.modelFile)")
    }
}
