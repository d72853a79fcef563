import ArgumentParser
import Foundation
import Pipelines

/// The one place numeric command-line options are checked: a number that is NaN, infinite, negative where a count
/// is meant, or absurdly large fails validation with one line naming the flag, before any work starts (instead of
/// a trap converting `--kimg nan` to an integer, or 100,000 threads).
enum OptionCheck {
    /// `value` (when given) must lie in `range`.
    static func int(_ value: Int?, _ flag: String, _ range: ClosedRange<Int>) throws {
        guard let value else { return }
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be \(describe(range)), got \(value)")
        }
    }

    /// `value` (when given) must be finite and lie in `range`.
    static func double(_ value: Double?, _ flag: String, _ range: ClosedRange<Double>) throws {
        guard let value else { return }
        guard value.isFinite, range.contains(value) else {
            throw ValidationError("\(flag) must be a finite number \(describe(range)), got \(value)")
        }
    }

    /// Steps, counts and sizes: at least `min`, at most a limit far beyond any real run.
    static func count(_ value: Int?, _ flag: String, min: Int = 1, max: Int = 1_000_000_000) throws {
        try int(value, flag, min...max)
    }

    /// `--batch`: items per step, 1 to 4,096 — the one check of every verb that takes it.
    static func batch(_ value: Int) throws {
        try count(value, "--batch", max: 4096)
    }

    /// `--aligner-path` (train gradstyle, bench gradstyle): one of the network's aligner paths.
    static func alignerPath(_ value: String) throws -> String {
        guard GradStyleNetworkOptions.alignerPaths.contains(value) else {
            throw ValidationError("invalid --aligner-path '\(value)': motion_gate, scalar_gate or attention")
        }
        return value
    }

    /// `--window`: an odd side from 1 to 63, or 0 (nil: attention over all positions).
    static func attentionWindow(_ value: Int) throws -> Int? {
        guard value == 0 || (value > 0 && value % 2 == 1 && value <= 63) else {
            throw ValidationError("invalid --window \(value): an odd size from 1 to 63, or 0 for global attention")
        }
        return value == 0 ? nil : value
    }

    /// How many intra-op threads make sense: a few per core (more only add contention), at least 64.
    static var maxThreads: Int { Swift.max(64, 4 * ProcessInfo.processInfo.activeProcessorCount) }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == .max ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
    }

    private static func describe(_ range: ClosedRange<Double>) -> String {
        switch (range.lowerBound.isFinite, range.upperBound.isFinite) {
        case (true, true): return "between \(short(range.lowerBound)) and \(short(range.upperBound))"
        case (true, false): return "≥ \(short(range.lowerBound))"
        case (false, true): return "≤ \(short(range.upperBound))"
        case (false, false): return ""
        }
    }

    static func short(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
}

extension OptionCheck {
    /// Rates, weights and scales that must be above zero: finite, > 0 and at most `max`.
    static func positive(_ value: Double?, _ flag: String, max: Double) throws {
        guard let value else { return }
        guard value.isFinite, value > 0, value <= max else {
            throw ValidationError("\(flag) must be a finite number > 0 and at most \(short(max)), got \(value)")
        }
    }
}
