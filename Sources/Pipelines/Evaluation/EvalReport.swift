import Foundation

/// The three renderings of an evaluation: a per-image CSV, a JSON document, and a markdown summary for the terminal.
struct EvalReport {
    let job: EvalJob
    let metrics: [EvalMetric]
    let rows: [EvalJob.Row]
    let summaries: [EvalMetric: MetricSummary]
    let pairing: ImagePairing
    let notes: [String]
    let warnings: [String]
    let lpipsWeights: String?

    /// One line per pair: `name,pred,target,<metrics…>,resized`; empty cells where a metric did not apply, `inf`
    /// for infinite PSNR.
    func csv() -> String {
        var lines = [(["name", "pred", "target"] + metrics.map(\.rawValue) + ["resized"]).joined(separator: ",")]
        for row in rows {
            var cells = [row.pair.name, row.pair.pred.lastPathComponent, row.pair.target.lastPathComponent].map(EvalReport.csvField)
            cells += metrics.map { row.values[$0].map(EvalReport.csvNumber) ?? "" }
            cells.append(row.resized ? "1" : "0")
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func json() throws -> Data {
        var summary: [String: Any] = [:]
        for metric in metrics {
            let s = summaries[metric]!
            var entry: [String: Any] = ["n": s.count, "mean": EvalReport.jsonNumber(s.mean),
                                        "higher_is_better": metric.higherIsBetter]
            entry["std"] = s.std.map(EvalReport.jsonNumber) ?? NSNull()
            entry["ci95_low"] = s.interval.map { EvalReport.jsonNumber($0.lowerBound) } ?? NSNull()
            entry["ci95_high"] = s.interval.map { EvalReport.jsonNumber($0.upperBound) } ?? NSNull()
            summary[metric.rawValue] = entry
        }
        let images: [[String: Any]] = rows.map { row in
            var entry: [String: Any] = ["name": row.pair.name, "pred": row.pair.pred.lastPathComponent,
                                        "target": row.pair.target.lastPathComponent, "resized": row.resized]
            for metric in metrics { entry[metric.rawValue] = row.values[metric].map(EvalReport.jsonNumber) ?? NSNull() }
            return entry
        }
        var document: [String: Any] = [
            "pred": job.predDirectory.path,
            "target": job.targetDirectory.path,
            "metrics": metrics.map(\.rawValue),
            "scale": "MSE, PSNR, SSIM and MS-SSIM on [0, 1] images (data range 1)",
            "interval": MetricSummary.intervalDescription,
            "pairs": rows.count,
            "summary": summary,
            "images": images,
            "unpaired_pred": pairing.unpairedPred.map(\.lastPathComponent),
            "unpaired_target": pairing.unpairedTarget.map(\.lastPathComponent),
            "notes": notes,
            "warnings": warnings,
        ]
        if let lpipsWeights {
            document["lpips"] = ["network": job.lpipsNetwork.rawValue, "weights": lpipsWeights]
        }
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
    }

    func markdown() -> String {
        var out = "## gradstyle eval: \(rows.count) pair(s)\n\n"
        out += "pred: \(job.predDirectory.path)  \ntarget: \(job.targetDirectory.path)\n\n"
        for warning in warnings { out += "**WARNING: \(warning).**\n\n" }
        out += "| metric | mean | \(MetricSummary.intervalDescription) | std | n |\n|---|---:|---:|---:|---:|\n"
        for metric in metrics {
            let s = summaries[metric]!
            let f = { (v: Double) in EvalReport.display(v, metric) }
            let interval = s.interval.map { "[\(f($0.lowerBound)), \(f($0.upperBound))]" } ?? "—"
            let arrow = metric.higherIsBetter ? "↑" : "↓"
            out += "| \(metric.title) \(arrow) | \(s.count > 0 ? f(s.mean) : "—") | \(interval) | \(s.std.map(f) ?? "—") | \(s.count) |\n"
        }
        out += "\nMSE, PSNR, SSIM and MS-SSIM are measured on [0, 1] images (data range 1)"
        if let lpipsWeights { out += "; LPIPS(\(job.lpipsNetwork.rawValue)) weights: \(lpipsWeights)" }
        out += ".\n"
        if !notes.isEmpty { out += "\n" + notes.map { "- \($0)" }.joined(separator: "\n") + "\n" }
        return out
    }

    static func display(_ v: Double, _ metric: EvalMetric) -> String {
        if v.isNaN { return "—" }
        if v.isInfinite { return v > 0 ? "+∞" : "−∞" }
        switch metric {
        case .mse: return String(format: "%.6f", v)
        case .psnr: return String(format: "%.3f", v)
        default: return String(format: "%.4f", v)
        }
    }

    static func csvNumber(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return String(format: "%.9g", v)
    }

    /// JSON has no infinities: they are written as the strings "inf" / "-inf", NaN as null.
    static func jsonNumber(_ v: Double) -> Any {
        if v.isNaN { return NSNull() }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return v
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
