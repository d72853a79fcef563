import Foundation
import ImageIO
import Models
import TensorIO
import Torch

/// `gradstyle eval`: full-reference metrics between predicted and target images paired by file name, per image and
/// summarised (mean, standard deviation, 95% Student-t interval). Everything is computed before anything is
/// written; the CSV and JSON files are written atomically, so a failure leaves no partial output.
public struct EvalJob {
    public var predDirectory: URL
    public var targetDirectory: URL
    public var metrics: [EvalMetric] = EvalMetric.defaults
    /// The LPIPS trunk (alex or vgg).
    public typealias LPIPSNet = LPIPSNetwork
    public var lpipsNetwork: LPIPSNetwork = .alex
    /// LPIPS trunk + heads files (`LPIPS.load(files:)`); empty = random weights, reported with a warning.
    public var lpipsWeights: [URL] = []
    /// Needed for `.id`.
    public var identityEmbedder: (any IdentityEmbedder)?
    public var csv: URL?
    public var json: URL?
    public var device: Device = .cpu
    public var quiet = false
    /// Progress lines go here instead of standard error (tests).
    public var progressOutput: ((String) -> Void)?

    public init(pred: URL, target: URL) {
        predDirectory = pred
        targetDirectory = target
    }

    public struct Row {
        public let pair: ImagePairing.Pair
        /// nil where the metric does not apply to this pair (e.g. MS-SSIM on a small image).
        public let values: [EvalMetric: Double]
        public let resized: Bool
    }

    public struct Result {
        public let metrics: [EvalMetric]
        public let rows: [Row]
        public let summaries: [EvalMetric: MetricSummary]
        public let unpairedPred: [URL]
        public let unpairedTarget: [URL]
        /// Facts worth knowing (resizes, skipped metrics).
        public let notes: [String]
        /// Results that are not comparable to published numbers (random weights).
        public let warnings: [String]
        /// "random" or the weight files.
        public let lpipsWeights: String?
        /// The summary table and notes, for standard output.
        public let markdown: String
        public let written: [URL]
    }

    public func run() throws -> Result {
        guard !metrics.isEmpty else { throw PipelineError("no metrics to compute") }
        if metrics.contains(.id) && identityEmbedder == nil {
            throw PipelineError("the id metric needs an identity network (ArcFace IR-SE50, model_ir_se50.pth), and none is set")
        }
        try EvalOutput.checkDestinations([csv, json].compactMap { $0 })
        let pairing = try ImagePairing(pred: predDirectory, target: targetDirectory)
        guard !pairing.pairs.isEmpty else {
            throw PipelineError("no image names in \(predDirectory.path) match those in \(targetDirectory.path) (pairs are made by file name without extension)")
        }
        var notes: [String] = []
        var warnings: [String] = []
        if !pairing.unpairedPred.isEmpty {
            notes.append("\(pairing.unpairedPred.count) prediction(s) without a target, ignored: \(EvalOutput.list(pairing.unpairedPred))")
        }
        if !pairing.unpairedTarget.isEmpty {
            notes.append("\(pairing.unpairedTarget.count) target(s) without a prediction, ignored: \(EvalOutput.list(pairing.unpairedTarget))")
        }

        var lpips: LPIPSDistance? = nil
        var lpipsSource: String? = nil
        if metrics.contains(.lpips) {
            let model: LPIPS
            if lpipsWeights.isEmpty {
                model = LPIPS(network: lpipsNetwork).to(device: device)
                lpipsSource = "random"
                warnings.append("LPIPS uses RANDOM weights (no --lpips-weights): its values are not comparable to published LPIPS")
            } else {
                model = try LPIPS.load(network: lpipsNetwork, files: lpipsWeights, device: device)
                lpipsSource = lpipsWeights.map(\.path).joined(separator: ", ")
            }
            lpips = LPIPSDistance(model: model)
        }

        let progress = ProgressReporter("eval", total: pairing.pairs.count, unit: "img", quiet: quiet, output: progressOutput)
        var rows: [Row] = []
        var skipped: [EvalMetric: Int] = [:]
        var resizedNames: [String] = []
        for pair in pairing.pairs {
            // All metrics run on the job's device (SSIM's float64 filtering at 1024² is slow on a CPU).
            let target = try EvalOutput.readImage(pair.target).to(device: device)
            var pred = try EvalOutput.readImage(pair.pred).to(device: device)
            let resized = pred.shape != target.shape
            if resized {
                // Predictions are compared at the target's size (antialiased bilinear resize).
                pred = Functional.interpolate(pred, size: (target.size(2), target.size(3)), mode: .bilinear,
                                              alignCorners: false, antialias: true).clamp(min: -1, max: 1)
                resizedNames.append(pair.name)
            }
            var values: [EvalMetric: Double] = [:]
            for metric in metrics {
                if let value = try measure(metric, pred, target, lpips: lpips) {
                    values[metric] = value
                } else {
                    skipped[metric, default: 0] += 1
                }
            }
            rows.append(Row(pair: pair, values: values, resized: resized))
            progress.advance()
        }
        progress.finish()
        if !resizedNames.isEmpty {
            notes.append("\(resizedNames.count) prediction(s) had another size than their target and were resized to it (antialiased bilinear): \(EvalOutput.list(resizedNames))")
        }
        for metric in metrics {
            if let n = skipped[metric] { notes.append("\(metric.title) skipped for \(n) pair(s): \(skipReason(metric, lpips))") }
        }
        let infinite = rows.filter { $0.values[.psnr] == .infinity }.count
        if infinite > 0 { notes.append("PSNR is +∞ for \(infinite) identical pair(s), so its mean is +∞") }

        var summaries: [EvalMetric: MetricSummary] = [:]
        for metric in metrics { summaries[metric] = MetricSummary(rows.compactMap { $0.values[metric] }) }
        let report = EvalReport(job: self, metrics: metrics, rows: rows, summaries: summaries, pairing: pairing,
                                notes: notes, warnings: warnings, lpipsWeights: lpipsSource)
        var outputs: [(Data, URL)] = []
        if let csv { outputs.append((Data(report.csv().utf8), csv)) }
        if let json { outputs.append((try report.json(), json)) }
        let written = try EvalOutput.writeAll(outputs)
        return Result(metrics: metrics, rows: rows, summaries: summaries, unpairedPred: pairing.unpairedPred,
                      unpairedTarget: pairing.unpairedTarget, notes: notes, warnings: warnings,
                      lpipsWeights: lpipsSource, markdown: report.markdown(), written: written)
    }

    /// One metric for one pair (1×3×H×W each); nil when it does not apply to images of this size.
    private func measure(_ metric: EvalMetric, _ pred: Tensor, _ target: Tensor, lpips: LPIPSDistance?) throws -> Double? {
        let side = Swift.min(target.size(2), target.size(3))
        switch metric {
        case .mse: return try MeanSquaredError.perImage(pred, target)[0]
        case .psnr: return try PSNR.perImage(pred, target)[0]
        case .ssim: return side >= SSIM.windowSize ? try SSIM.perImage(pred, target)[0] : nil
        case .msssim: return side >= MSSSIM.minimumSide ? try MSSSIM.perImage(pred, target)[0] : nil
        case .lpips:
            guard let lpips, side >= lpips.model.minimumInputSide else { return nil }
            return try lpips.perImage(pred, target)[0]
        case .id:
            let embedder = identityEmbedder!
            return try IdentitySimilarity.perImage(pred, target, embedder: embedder)[0]
        }
    }

    private func skipReason(_ metric: EvalMetric, _ lpips: LPIPSDistance?) -> String {
        switch metric {
        case .ssim: return "images smaller than \(SSIM.windowSize)×\(SSIM.windowSize)"
        case .msssim: return "images smaller than \(MSSSIM.minimumSide)×\(MSSSIM.minimumSide) (four halvings)"
        case .lpips: return "images smaller than \(lpips?.model.minimumInputSide ?? 0) pixels on a side"
        default: return "not applicable"
        }
    }
}
