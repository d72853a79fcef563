import Foundation

/// A grouped bar chart as a standalone SVG document: one group per category (an edit, a metric), one bar per
/// series (a method) with an optional error bar. Written by the tool so report pages need no plotting library.
public struct SVGBarChart {
    public var title: String
    public var yLabel: String
    public var categories: [String]
    public var series: [String]
    /// values[series][category]; nil leaves a gap.
    public var values: [[Double?]]
    /// Half-lengths of the error bars, same layout; nil for none.
    public var errors: [[Double?]]?
    /// true: the axis starts at zero; false: it is fitted to the data (for PSNR-like values far from zero).
    public var fromZero = true

    public init(title: String, yLabel: String, categories: [String], series: [String], values: [[Double?]],
                errors: [[Double?]]? = nil) {
        self.title = title
        self.yLabel = yLabel
        self.categories = categories
        self.series = series
        self.values = values
        self.errors = errors
    }

    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                          "#9c755f", "#bab0ac", "#2f4b7c", "#a05195"]

    /// A "nice" tick step (1, 2 or 5 × 10^k) giving about `target` ticks over `span`.
    static func tickStep(span: Double, target: Int = 5) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(target)
        let magnitude = pow(10, floor(log10(raw)))
        let r = raw / magnitude
        return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * magnitude
    }

    /// The value axis: lowest and highest value shown, and the tick step.
    func axis() -> (low: Double, high: Double, step: Double) {
        var lows: [Double] = [], highs: [Double] = []
        for (s, row) in values.enumerated() {
            for (c, v) in row.enumerated() {
                guard let v, v.isFinite else { continue }
                let e = errors?[s][c].flatMap { $0.isFinite ? $0 : nil } ?? 0
                lows.append(v - e)
                highs.append(v + e)
            }
        }
        guard var low = lows.min(), var high = highs.max() else { return (0, 1, 0.2) }
        if fromZero { low = Swift.min(low, 0); high = Swift.max(high, 0) }
        if high - low < 1e-12 { high += 1; low -= fromZero ? 0 : 1 }
        if !fromZero { let pad = (high - low) * 0.1; low -= pad; high += pad }
        let step = SVGBarChart.tickStep(span: high - low)
        return ((low / step).rounded(.down) * step, (high / step).rounded(.up) * step, step)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func format(_ v: Double, step: Double) -> String {
        let decimals = step >= 1 ? 0 : Int(ceil(-log10(step)))
        return String(format: "%.\(decimals)f", v)
    }

    public func render() -> String {
        let barWidth = 14.0, groupGap = 18.0, left = 64.0, top = 36.0, plotHeight = 220.0
        let legendWidth = 12.0 + 8.0 * Double(series.map(\.count).max() ?? 0) + 24
        let groupWidth = Double(series.count) * barWidth + groupGap
        let plotWidth = Swift.max(Double(categories.count) * groupWidth, 120)
        let width = left + plotWidth + 16 + legendWidth
        let height = top + plotHeight + 64
        let (low, high, step) = axis()
        func y(_ v: Double) -> Double { top + plotHeight * (1 - (v - low) / (high - low)) }
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="18" font-size="13" font-weight="bold">\(SVGBarChart.escape(title))</text>
        <text transform="translate(14 \(top + plotHeight / 2)) rotate(-90)" text-anchor="middle">\(SVGBarChart.escape(yLabel))</text>

        """
        var tick = low
        while tick <= high + step / 2 {
            let ty = y(tick)
            svg += "<line x1=\"\(left)\" x2=\"\(left + plotWidth)\" y1=\"\(ty)\" y2=\"\(ty)\" stroke=\"#e5e5e5\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(ty + 4)\" text-anchor=\"end\">\(SVGBarChart.format(tick, step: step))</text>\n"
            tick += step
        }
        let base = y(Swift.min(Swift.max(0, low), high))
        for (c, category) in categories.enumerated() {
            let x0 = left + Double(c) * groupWidth + groupGap / 2
            for (s, _) in series.enumerated() {
                guard let v = values[s][c], v.isFinite else { continue }
                let x = x0 + Double(s) * barWidth
                let top = Swift.min(y(v), base), h = Swift.abs(y(v) - base)
                svg += "<rect x=\"\(x)\" y=\"\(top)\" width=\"\(barWidth - 2)\" height=\"\(h)\" fill=\"\(SVGBarChart.palette[s % SVGBarChart.palette.count])\"><title>\(SVGBarChart.escape(series[s])): \(String(format: "%.4g", v))</title></rect>"
                if let e = errors?[s][c], e.isFinite, e > 0 {
                    let cx = x + (barWidth - 2) / 2
                    svg += "<line x1=\"\(cx)\" x2=\"\(cx)\" y1=\"\(y(v - e))\" y2=\"\(y(v + e))\" stroke=\"black\"/>"
                    svg += "<line x1=\"\(cx - 3)\" x2=\"\(cx + 3)\" y1=\"\(y(v + e))\" y2=\"\(y(v + e))\" stroke=\"black\"/>"
                    svg += "<line x1=\"\(cx - 3)\" x2=\"\(cx + 3)\" y1=\"\(y(v - e))\" y2=\"\(y(v - e))\" stroke=\"black\"/>"
                }
                svg += "\n"
            }
            let cx = x0 + Double(series.count) * barWidth / 2
            svg += "<text x=\"\(cx)\" y=\"\(top + plotHeight + 14)\" text-anchor=\"middle\">\(SVGBarChart.escape(category))</text>\n"
        }
        svg += "<line x1=\"\(left)\" x2=\"\(left + plotWidth)\" y1=\"\(base)\" y2=\"\(base)\" stroke=\"#444\"/>\n"
        for (s, name) in series.enumerated() {
            let ly = top + Double(s) * 16
            let lx = left + plotWidth + 16
            svg += "<rect x=\"\(lx)\" y=\"\(ly)\" width=\"10\" height=\"10\" fill=\"\(SVGBarChart.palette[s % SVGBarChart.palette.count])\"/>"
            svg += "<text x=\"\(lx + 14)\" y=\"\(ly + 9)\">\(SVGBarChart.escape(name))</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }
}
