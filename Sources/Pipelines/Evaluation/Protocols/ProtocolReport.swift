import Foundation
import ImageIO
import Torch

/// Writes a protocol's results into a folder: `NAME.md` (the summary table and notes), `NAME_summary.csv`,
/// `NAME_images.csv` (per image), `NAME.json`, one SVG chart per charted metric, the sample sheets as PNG, and an
/// `index.html` page that shows them together. Every file is written atomically.
public struct ProtocolReport {
    public var name: String
    public var results: ProtocolResults
    /// Metrics to chart (columns of `results`).
    public var charted: [String]
    /// Labelled image sheets (one column per method).
    public var sheets: [(title: String, columns: [(String, Tensor)])]
    public var header: [String] = []

    public init(name: String, results: ProtocolResults, charted: [String], sheets: [(title: String, columns: [(String, Tensor)])]) {
        self.name = name
        self.results = results
        self.charted = charted
        self.sheets = sheets
    }

    /// A chart of `metric`: categories are the row keys without the last (the method), series the methods.
    public func chart(_ metric: String, rows: [ProtocolResults.Row]? = nil) -> SVGBarChart? {
        guard let column = results.column(metric) else { return nil }
        let rows = rows ?? results.rows
        var categories: [String] = [], methods: [String] = []
        for row in rows {
            let category = row.keys.dropLast().joined(separator: " ")
            if !categories.contains(category) { categories.append(category) }
            if !methods.contains(row.keys.last!) { methods.append(row.keys.last!) }
        }
        var values = [[Double?]](repeating: [Double?](repeating: nil, count: categories.count), count: methods.count)
        var errors = values
        var any = false
        for row in rows {
            guard let cell = row.cells[metric] else { continue }
            let s = methods.firstIndex(of: row.keys.last!)!, c = categories.firstIndex(of: row.keys.dropLast().joined(separator: " "))!
            values[s][c] = cell.mean
            errors[s][c] = cell.spread
            any = true
        }
        guard any else { return nil }
        let spreadKinds = Set(rows.compactMap { $0.cells[metric]?.spreadKind.rawValue })
        var chart = SVGBarChart(title: "\(results.title): \(metric) \(column.higherIsBetter ? "(higher is better)" : "(lower is better)")",
                                yLabel: metric + (spreadKinds.isEmpty ? "" : " (bars: " + spreadKinds.sorted().joined(separator: " / ") + ")"),
                                categories: categories.map { $0.isEmpty ? metric : $0 }, series: methods, values: values, errors: errors)
        chart.fromZero = !(metric.contains("PSNR") || metric == "SSIM" || metric == "MS-SSIM")
        return chart
    }

    /// An ASCII file-name part for a metric or title: "Δ intended" → "delta_intended", "KID×10³" → "kid_10".
    static func fileName(_ metric: String) -> String {
        let spelled = metric.replacingOccurrences(of: "Δ", with: "delta ").replacingOccurrences(of: "σ", with: "sd").lowercased()
        return String(spelled.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
            .split(separator: "_").joined(separator: "_")
    }

    /// Writes everything; returns the files written.
    @discardableResult
    public func write(to folder: URL, chartRows: [ProtocolResults.Row]? = nil) throws -> [URL] {
        // Staged and published together (under the folder's lock): a failure leaves the previous report whole.
        try StagingFolder.publish(into: folder) { staging in try stage(in: staging, chartRows: chartRows) }.1
    }

    private func stage(in staging: StagingFolder, chartRows: [ProtocolResults.Row]?) throws {
        var outputs: [(Data, URL)] = []
        let markdown = "## \(results.title)\n\n" + header.map { "\($0)\n\n" }.joined() + results.markdown()
            + (results.notes.isEmpty ? "" : "\n" + results.notes.map { "- \($0)" }.joined(separator: "\n") + "\n")
        outputs.append((Data(markdown.utf8), staging.url(for: "\(name).md")))
        outputs.append((Data(results.summaryCSV().utf8), staging.url(for: "\(name)_summary.csv")))
        outputs.append((Data(results.imageCSV().utf8), staging.url(for: "\(name)_images.csv")))
        var json = results.jsonObject()
        json["header"] = header
        outputs.append((try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]),
                        staging.url(for: "\(name).json")))
        var charts: [String] = []
        for metric in charted {
            guard let chart = chart(metric, rows: chartRows) else { continue }
            let file = "\(name)_\(ProtocolReport.fileName(metric)).svg"
            charts.append(file)
            outputs.append((Data(chart.render().utf8), staging.url(for: file)))
        }
        var sheetFiles: [(String, String)] = []
        for (i, sheet) in sheets.enumerated() {
            let file = "\(name)_sheet\(i)_\(ProtocolReport.fileName(sheet.title)).png"
            try ProtocolReport.writeSheet(sheet.columns, to: staging.url(for: file))
            sheetFiles.append((sheet.title, file))
        }
        outputs.append((Data(html(charts: charts, sheets: sheetFiles).utf8), staging.url(for: "index.html")))
        _ = try EvalOutput.writeAll(outputs)
    }

    func html(charts: [String], sheets: [(String, String)]) -> String {
        let e = SVGBarChart.escape
        let head = "<tr>" + (results.keyNames + results.columns.map { "\($0.name) \($0.higherIsBetter ? "↑" : "↓")" })
            .map { "<th>\(e($0))</th>" }.joined() + "</tr>"
        let body = results.rows.map { row in
            "<tr>" + row.keys.map { "<td>\(e($0))</td>" }.joined() + results.columns.map { c -> String in
                guard let cell = row.cells[c.name] else { return "<td>—</td>" }
                let spread = cell.spread.map { " ± " + ProtocolResults.number($0, c.decimals) } ?? ""
                return "<td>\(ProtocolResults.number(cell.mean, c.decimals))\(spread)</td>"
            }.joined() + "</tr>"
        }.joined(separator: "\n")
        return """
        <!doctype html><html><head><meta charset="utf-8"><title>\(e(results.title)) — gradstyle eval</title>
        <style>body{font-family:sans-serif;margin:2em;max-width:1400px} table{border-collapse:collapse;margin:1em 0}
        td,th{border:1px solid #ccc;padding:3px 7px;text-align:right} td:first-child,th:first-child{text-align:left}
        img{image-rendering:pixelated;max-width:100%;display:block;margin:1em 0}</style></head><body>
        <h1>\(e(results.title))</h1>
        \(header.map { "<p>\(e($0))</p>" }.joined(separator: "\n"))
        <p>Files: <a href="\(name).md">\(name).md</a>, <a href="\(name)_summary.csv">summary CSV</a>,
        <a href="\(name)_images.csv">per-image CSV</a>, <a href="\(name).json">JSON</a>.</p>
        <table>\(head)
        \(body)</table>
        <ul>\(results.notes.map { "<li>\(e($0))</li>" }.joined())</ul>
        <h2>Charts</h2>
        \(charts.map { "<img src=\"\($0)\" alt=\"\($0)\">" }.joined(separator: "\n"))
        <h2>Samples</h2>
        \(sheets.map { "<h3>\(e($0.0))</h3><img src=\"\($0.1)\" alt=\"\(e($0.0))\">" }.joined(separator: "\n"))
        </body></html>

        """
    }

    /// A labelled sheet: one column per entry, one row per image (the protocol reports' sample sheets).
    static func writeSheet(_ columns: [(String, Tensor)], to url: URL) throws {
        let size = columns[0].1.size(2)
        let tiles = try columns.map { c in
            try ImageTensors.rasterImages(c.1.size(2) == size ? c.1 : Functional.interpolate(c.1, size: (size, size), mode: .area))
        }
        let n = tiles[0].count
        var ordered: [RasterImage] = []
        for i in 0..<n { for c in tiles { ordered.append(c[i]) } }
        try ImageFile.write(try ImageGrid(rows: n, columns: columns.count, columnLabels: columns.map(\.0)).render(ordered), to: url)
    }
}
