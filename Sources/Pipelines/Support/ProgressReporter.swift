import Foundation

/// Progress for long work, on standard error: a redrawn bar with rate and ETA on a terminal, a line every
/// `lineInterval` seconds otherwise (logs, CI), and nothing when quiet.
public final class ProgressReporter {
    public let label: String
    public let total: Int?
    public let unit: String
    private let isTTY: Bool
    private let quiet: Bool
    private let lineInterval: TimeInterval
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var done = 0
    private var finished = false
    private var drawnAt = -1
    private var stream: (String) -> Void

    /// `quiet` silences it; `output` replaces standard error (tests).
    public init(_ label: String, total: Int?, unit: String = "it", quiet: Bool = false,
                lineInterval: TimeInterval = 10, output: ((String) -> Void)? = nil) {
        self.label = label
        self.total = total
        self.unit = unit
        self.quiet = quiet
        self.lineInterval = lineInterval
        self.isTTY = output == nil && isatty(STDERR_FILENO) == 1
        self.stream = output ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Advances by `n` units; `status` (e.g. current losses) is shown after the counters.
    public func advance(by n: Int = 1, status: String = "") {
        done += n
        let now = Date()
        let interval = isTTY ? 0.1 : lineInterval
        if now.timeIntervalSince(lastDraw) >= interval || done == total {
            lastDraw = now
            draw(status: status, final: false)
        }
    }

    /// Prints the final line (once).
    public func finish(status: String = "") {
        guard !finished else { return }
        finished = true
        // Without a terminal the last advance may already have printed this exact state.
        if isTTY || drawnAt != done || !status.isEmpty { draw(status: status, final: true) }
    }

    public var elapsed: TimeInterval { Date().timeIntervalSince(start) }

    private func draw(status: String, final: Bool) {
        guard !quiet else { return }
        drawnAt = done
        let elapsed = max(self.elapsed, 1e-9)
        let rate = Double(done) / elapsed
        var parts = [label]
        if let total, total > 0 {
            let fraction = min(Double(done) / Double(total), 1)
            if isTTY {
                let width = 24
                let filled = Int(fraction * Double(width))
                parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]")
            }
            parts.append("\(done)/\(total)")
            parts.append(String(format: "%3.0f%%", fraction * 100))
        } else {
            parts.append("\(done)")
        }
        parts.append(ProgressReporter.formatRate(rate, unit: unit))
        if let total, done < total, rate > 0 {
            parts.append("ETA " + ProgressReporter.formatDuration(Double(total - done) / rate))
        } else {
            parts.append(ProgressReporter.formatDuration(elapsed))
        }
        if !status.isEmpty { parts.append(status) }
        let line = parts.joined(separator: " ")
        if isTTY {
            stream("\r\u{1B}[2K" + line + (final ? "\n" : ""))
        } else {
            stream(line + "\n")
        }
    }

    static func formatRate(_ rate: Double, unit: String) -> String {
        rate >= 1 || rate == 0 ? String(format: "%.2f %@/s", rate, unit) : String(format: "%.2f s/%@", 1 / rate, unit)
    }

    static func formatDuration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
            : String(format: "%d:%02d", s / 60, s % 60)
    }
}
