import Foundation
import Models
import Torch

/// `gradstyle train hfgi`: HFGI's residual encoder and ADA trained on a frozen e4e encoder and generator with the
/// public recipe (`HFGITrainingStep` steps in `TrainingLoop`). Writes `out/checkpoint.safetensors` (exact resume),
/// `out/model.safetensors` (what `invert|edit|eval --method hfgi` take: the inversion model plus `residue.*` and
/// `grid_align.*`) and `out/samples/`. LPIPS and identity terms need their weight files; without them they are left
/// out, and the job says so.
public struct HFGITrainingJob {
    /// The inversion model (generator 64² or larger), data, output folder, steps, loss weights files, resume,
    /// device and messages.
    public var inputs: InversionTrainingInputs
    public var options = HFGITrainingOptions()

    public init(inputs: InversionTrainingInputs) { self.inputs = inputs }

    public init(encoder: URL, data: URL, out: URL, steps: Int) {
        self.init(inputs: InversionTrainingInputs(encoder: encoder, data: data, out: out, steps: steps))
    }

    public func run() throws {
        try options.validate()
        let (encoder, data, out, device) = (inputs.encoder, inputs.data, inputs.trainingRun.out, inputs.trainingRun.device)
        let rank = try inputs.trainingRun.join(verb: "train hfgi",
                                               fields: ["encoder": encoder.path, "data": data.path, "steps": "\(inputs.steps)",
                                                        "weights": inputs.weightsDescription],
                                               options: options)
        let (parallel, messages) = (rank.parallel, rank.messages)
        var options = options
        options.batch *= parallel.worldSize  // the global batch, which the loop splits by rank
        let session = try rank.openSession(inputs: [encoder, data, inputs.arcface] + inputs.lpipsWeights.map(Optional.some))

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
        let (losses, lossNotes) = try inputs.imageLosses(lambdaLPIPS: options.lambdaLPIPS, lambdaID: options.lambdaID)
        notes += lossNotes
        let step = try HFGITrainingStep(model: model, data: dataset, options: options, losses: losses)
        step.quiet = !rank.printsProgress
        for note in notes { messages.note(note) }

        let loop = TrainingLoop(step, parallel: parallel)
        try session.resumeIfAsked(loop)
        let trained = model.residue.parameterCount + model.gridAlign.parameterCount
        guard try session.train(loop, until: .steps(inputs.steps), description: { target in
            "training HFGI (\(trained.grouped) parameters: residual encoder + ADA) on \(dataset.count) images until step \(target)"
        }) else { return }
        messages.say("done: \(out.relativePath)/\(HFGITrainingStep.modelFile)")
    }
}
