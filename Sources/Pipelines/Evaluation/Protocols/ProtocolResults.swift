import Foundation

/// What an evaluation protocol measured: per-image values (for the CSV) and a summary row per method (and edit),
/// with the spread that matters — across repeats (seeds) when a variant was trained more than once, otherwise the
/// 95% interval of the mean over images. Rendered as CSV, JSON and a markdown table.
public struct ProtocolResults {
    public struct Column: Sendable {
        public var name: String
        public var higherIsBetter: Bool
        public var decimals: Int
        public init(_ name: String, higherIsBetter: Bool, decimals: Int = 3) {
            self.name = name
            self.higherIsBetter = higherIsBetter
            self.decimals = decimals
        }
    }

    public enum Spread: String, Codable, Sendable {
        /// Sample standard deviation of the per-repeat means (the seed-to-seed spread).
        case seeds = "std over seeds"
        /// Half-width of the Student-t 95% interval of the mean over images (one repeat).
        case images = "95% CI half-width over images"
    }

    public struct Cell: Sendable {
        public var mean: Double
        public var spread: Double?
        public var spreadKind: Spread
        /// The mean of each repeat.
        public var repeats: [Double]
        /// Images behind each repeat's mean (1 for set-level metrics such as FD).
        public var images: Int
    }

    public struct Row: Sendable {
        /// Values of `keyNames`, in order.
        public var keys: [String]
        public var cells: [String: Cell]
    }

    public var title: String
    public var keyNames: [String]
    public var columns: [Column]
    public var rows: [Row] = []
    /// Per-image values: keys (`keyNames` + "repeat", "image") and one value per column that applies.
    public var imageRows: [(keys: [String], values: [String: Double])] = []
    public var notes: [String] = []

    public init(title: String, keyNames: [String], columns: [Column]) {
        self.title = title
        self.keyNames = keyNames
        self.columns = columns
    }

    public func column(_ name: String) -> Column? { columns.first { $0.name == name } }

    public func row(_ keys: [String]) -> Row? { rows.first { $0.keys == keys } }

    /// Collects values per summary row, metric and repeat; `finish` turns them into rows.
    public struct Accumulator {
        var order: [[String]] = []
        var values: [[String]: [String: [Int: [Double]]]] = [:]

        public init() {}

        public mutating func add(_ keys: [String], _ metric: String, repeat r: Int, _ v: [Double]) {
            if values[keys] == nil { order.append(keys); values[keys] = [:] }
            values[keys]![metric, default: [:]][r, default: []] += v
        }

        /// Non-finite values (an infinite PSNR of identical images) are left out of means.
        public func rows() -> [Row] {
            order.map { keys in
                var cells: [String: Cell] = [:]
                for (metric, byRepeat) in values[keys]! {
                    let repeats = byRepeat.keys.sorted().map { byRepeat[$0]!.filter(\.isFinite) }.filter { !$0.isEmpty }
                    guard !repeats.isEmpty else { continue }
                    let means = repeats.map { $0.reduce(0, +) / Double($0.count) }
                    if means.count >= 2 {
                        let s = MetricSummary(means)
                        cells[metric] = Cell(mean: s.mean, spread: s.std, spreadKind: .seeds, repeats: means, images: repeats[0].count)
                    } else {
                        let s = MetricSummary(repeats[0])
                        cells[metric] = Cell(mean: s.mean, spread: s.interval.map { ($0.upperBound - $0.lowerBound) / 2 },
                                             spreadKind: .images, repeats: means, images: repeats[0].count)
                    }
                }
                return Row(keys: keys, cells: cells)
            }
        }
    }

    // MARK: renderings

    static func number(_ v: Double, _ decimals: Int) -> String {
        if v.isNaN { return "—" }
        if v.isInfinite { return v > 0 ? "∞" : "−∞" }
        return String(format: "%.\(decimals)f", v)
    }

    /// A table cell: pipes escaped so a name cannot split a row.
    static func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    public func markdown() -> String {
        var out = "| " + (keyNames + columns.map { "\($0.name) \($0.higherIsBetter ? "↑" : "↓")" }).map(ProtocolResults.cell)
            .joined(separator: " | ") + " |\n"
        out += "|" + keyNames.map { _ in " --- |" }.joined() + columns.map { _ in " ---: |" }.joined() + "\n"
        for row in rows {
            let cells = columns.map { c -> String in
                guard let cell = row.cells[c.name] else { return "—" }
                var s = ProtocolResults.number(cell.mean, c.decimals)
                if let spread = cell.spread { s += " ± " + ProtocolResults.number(spread, c.decimals) }
                return s
            }
            out += "| " + (row.keys.map(ProtocolResults.cell) + cells).joined(separator: " | ") + " |\n"
        }
        let kinds = Set(rows.flatMap { $0.cells.values.map(\.spreadKind) })
        if !kinds.isEmpty {
            out += "\n± is the " + (kinds.count == 2 ? "std over seeds where a row has several repeats, else the 95% CI half-width over images"
                : kinds.first!.rawValue) + ".\n"
        }
        return out
    }

    public func summaryCSV() -> String {
        var header = keyNames
        for c in columns { header += [c.name, "\(c.name)_spread", "\(c.name)_spread_kind", "\(c.name)_repeats"] }
        var lines = [header.map(EvalReport.csvField).joined(separator: ",")]
        for row in rows {
            var cells = row.keys.map(EvalReport.csvField)
            for c in columns {
                if let cell = row.cells[c.name] {
                    cells += [EvalReport.csvNumber(cell.mean), cell.spread.map(EvalReport.csvNumber) ?? "",
                              EvalReport.csvField(cell.spreadKind.rawValue), "\(cell.repeats.count)"]
                } else {
                    cells += ["", "", "", "0"]
                }
            }
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func imageCSV() -> String {
        var lines = [(keyNames + ["repeat", "image"] + columns.map(\.name)).map(EvalReport.csvField).joined(separator: ",")]
        for row in imageRows {
            lines.append((row.keys.map(EvalReport.csvField) + columns.map { row.values[$0.name].map(EvalReport.csvNumber) ?? "" })
                .joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func jsonObject() -> [String: Any] {
        [
            "title": title,
            "keys": keyNames,
            "columns": columns.map { ["name": $0.name, "higher_is_better": $0.higherIsBetter] as [String: Any] },
            "rows": rows.map { row -> [String: Any] in
                var cells: [String: Any] = [:]
                for (name, cell) in row.cells {
                    cells[name] = ["mean": EvalReport.jsonNumber(cell.mean),
                                   "spread": cell.spread.map(EvalReport.jsonNumber) ?? NSNull(),
                                   "spread_kind": cell.spreadKind.rawValue,
                                   "repeats": cell.repeats.map(EvalReport.jsonNumber),
                                   "images": cell.images] as [String: Any]
                }
                return ["keys": row.keys, "metrics": cells]
            },
            "notes": notes,
        ]
    }
}
