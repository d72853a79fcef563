import Foundation

/// The per-image metrics `gradstyle eval` computes, by their command-line names.
public enum EvalMetric: String, CaseIterable, Sendable {
    case mse, psnr, ssim, msssim = "ms-ssim", lpips, id

    /// What runs when `--metrics` is not given (ID similarity joins when an identity network is given).
    public static let defaults: [EvalMetric] = [.mse, .psnr, .ssim, .msssim, .lpips]

    public var title: String {
        switch self {
        case .mse: return "MSE"
        case .psnr: return "PSNR (dB)"
        case .ssim: return "SSIM"
        case .msssim: return "MS-SSIM"
        case .lpips: return "LPIPS"
        case .id: return "ID similarity"
        }
    }

    public var higherIsBetter: Bool { self != .mse && self != .lpips }

    /// Parses a comma-separated list such as `mse,psnr,lpips` (duplicates dropped, order kept).
    public static func parseList(_ text: String) throws -> [EvalMetric] {
        var out: [EvalMetric] = []
        for raw in text.split(separator: ",") {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard let metric = EvalMetric(rawValue: name == "msssim" ? "ms-ssim" : name) else {
                let known = allCases.map(\.rawValue).joined(separator: ", ")
                throw PipelineError("unknown metric '\(name)': expected some of \(known)")
            }
            if !out.contains(metric) { out.append(metric) }
        }
        guard !out.isEmpty else { throw PipelineError("the metric list is empty") }
        return out
    }
}
