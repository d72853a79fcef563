import Foundation
import Models
import Torch

/// What a training on a frozen inversion model (`train gradstyle`, `train hfgi`) reads, writes and runs on: the
/// inputs both jobs share, held by each.
public struct InversionTrainingInputs {
    /// The inversion model: a pSp/e4e/HFGI .pt or our .safetensors (encoder + generator + latent_avg).
    public var encoder: URL
    /// Folder of training images (brought to the encoder's input size).
    public var data: URL
    /// Train until this step.
    public var steps: Int
    /// LPIPS weight files (none: the LPIPS term is left out).
    public var lpipsWeights: [URL] = []
    /// ArcFace IR-SE50 weights (nil: the identity term is left out).
    public var arcface: URL?
    /// Output folder, resume, device, messages and processes (the options' batch is per process).
    public var trainingRun: TrainingRun

    public init(encoder: URL, data: URL, out: URL, steps: Int) {
        (self.encoder, self.data, self.steps) = (encoder, data, steps)
        trainingRun = TrainingRun(out: out)
    }

    /// The weight files, comma-joined, as the ranks of a data-parallel run compare them.
    var weightsDescription: String {
        ([arcface].compactMap { $0?.path } + lpipsWeights.map(\.path)).joined(separator: ",")
    }

    /// The LPIPS and identity losses whose weight files are given, and a note for each term left out although
    /// its weight is above zero.
    func imageLosses(lambdaLPIPS: Double, lambdaID: Double) throws -> (losses: ImageLosses, notes: [String]) {
        var losses = ImageLosses()
        var notes: [String] = []
        if !lpipsWeights.isEmpty {
            let lpips = try LPIPS.load(network: .alex, files: lpipsWeights, device: trainingRun.device).eval().freeze()
            losses.perceptual = { lpips($0, $1) }
        } else if lambdaLPIPS > 0 {
            notes.append("no LPIPS weights: the LPIPS term is left out")
        }
        if let arcface {
            let id = try IDLoss.load(arcface, device: trainingRun.device)
            losses.identity = { id($0, $1).loss }
        } else if lambdaID > 0 {
            notes.append("no ArcFace weights: the identity term is left out")
        }
        return (losses, notes)
    }
}
