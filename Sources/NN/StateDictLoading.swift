import Foundation
import Torch

/// What `Module.loadStateDict` found when matching a checkpoint against a module.
public struct StateDictReport: CustomStringConvertible, Sendable {
    public struct ShapeMismatch: Equatable, Sendable {
        public let key: String
        /// The module's shape.
        public let expected: [Int]
        /// The checkpoint's shape.
        public let found: [Int]
    }

    /// Keys copied into the module, in state-dict order.
    public internal(set) var loaded: [String] = []
    /// Keys of the module that the checkpoint lacks (and that had to be there), in state-dict order.
    public internal(set) var missing: [String] = []
    /// Optional keys (see `registerBuffer(optionalOnLoad:)`) the checkpoint lacks; they kept their current value.
    public internal(set) var keptDefaults: [String] = []
    /// Checkpoint keys the module does not have, sorted.
    public internal(set) var unexpected: [String] = []
    /// Keys present on both sides with different shapes, in state-dict order.
    public internal(set) var shapeMismatches: [ShapeMismatch] = []

    /// Nothing missing, unexpected or mismatched.
    public var isClean: Bool { missing.isEmpty && unexpected.isEmpty && shapeMismatches.isEmpty }

    /// How many of each kind to name before summarising with a count.
    static let namesShown = 5

    public var description: String {
        var parts: [String] = []
        func list(_ names: [String]) -> String {
            let shown = names.prefix(Self.namesShown).joined(separator: ", ")
            return names.count > Self.namesShown ? shown + ", … (\(names.count - Self.namesShown) more)" : shown
        }
        func plural(_ n: Int, _ word: String, _ suffix: String = "s") -> String { "\(n) \(word)\(n == 1 ? "" : suffix)" }
        if !missing.isEmpty { parts.append("\(plural(missing.count, "missing key")): \(list(missing))") }
        if !unexpected.isEmpty { parts.append("\(plural(unexpected.count, "unexpected key")): \(list(unexpected))") }
        if !shapeMismatches.isEmpty {
            let described = shapeMismatches.map { "\($0.key) (expected \($0.expected), found \($0.found))" }
            parts.append("\(plural(shapeMismatches.count, "shape mismatch", "es")): \(list(described))")
        }
        if parts.isEmpty { return "\(loaded.count) keys loaded, no problems" }
        return parts.joined(separator: "; ")
    }
}

/// A checkpoint that does not fit a module under strict loading. Nothing was copied.
public struct StateDictError: Error, CustomStringConvertible, LocalizedError, Sendable {
    /// The module's type, for the message.
    public let moduleType: String
    public let report: StateDictReport

    public var missingKeys: [String] { report.missing }
    public var unexpectedKeys: [String] { report.unexpected }
    public var shapeMismatches: [StateDictReport.ShapeMismatch] { report.shapeMismatches }

    public var description: String { "error loading state dict into \(moduleType): \(report)" }
    public var errorDescription: String? { description }
}

extension Module {
    /// Copies a checkpoint's tensors into this module's parameters and persistent buffers, converting each to the
    /// destination's dtype and device.
    ///
    /// Strict (the default): every key must match and every shape agree; otherwise nothing is copied and a
    /// `StateDictError` lists all missing keys, unexpected keys and shape mismatches at once. Non-strict: what fits
    /// is copied and the report says what was skipped — unlike PyTorch, which raises on a shape mismatch even when
    /// not strict, mismatched entries are skipped too (partial loads such as a backbone with a different input
    /// layer need that). As in PyTorch, a one-element 1-D checkpoint tensor fills a 0-D destination.
    @discardableResult
    public func loadStateDict(_ dict: [String: Tensor], strict: Bool = true) throws -> StateDictReport {
        var report = StateDictReport()
        var copies: [(destination: Tensor, source: Tensor)] = []
        var expectedKeys = Set<String>()
        for entry in stateEntries() {
            expectedKeys.insert(entry.key)
            guard let source = dict[entry.key] else {
                if entry.optionalOnLoad { report.keptDefaults.append(entry.key) } else { report.missing.append(entry.key) }
                continue
            }
            let expected = entry.tensor.shape
            var found = source.shape
            var value = source
            if expected.isEmpty, found == [1] {
                value = source.reshape([])
                found = []
            }
            guard expected == found else {
                report.shapeMismatches.append(.init(key: entry.key, expected: expected, found: source.shape))
                continue
            }
            copies.append((entry.tensor, value))
            report.loaded.append(entry.key)
        }
        report.unexpected = dict.keys.filter { !expectedKeys.contains($0) }.sorted()
        if strict && !report.isClean {
            throw StateDictError(moduleType: typeName, report: report)
        }
        withNoGrad {
            for (destination, source) in copies { destination.copy_(source) }
        }
        return report
    }

    /// The same, from an ordered list such as another module's `stateDict()`. Duplicate keys: the last one wins.
    @discardableResult
    public func loadStateDict(_ entries: [(name: String, tensor: Tensor)], strict: Bool = true) throws -> StateDictReport {
        var dict: [String: Tensor] = [:]
        for (name, tensor) in entries { dict[name] = tensor }
        return try loadStateDict(dict, strict: strict)
    }
}
