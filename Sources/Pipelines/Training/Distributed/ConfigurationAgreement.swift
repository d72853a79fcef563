import Foundation
import Torch

/// The check, at start, that every rank was given the same configuration. Each rank publishes a canonical text of
/// its options (one `name: value` per line) in the store; every rank reads rank 0's and compares. A mismatch
/// (different options, a different data folder, another binary) fails on every rank with the first line that
/// differs, instead of training a silently inconsistent model.
public enum ConfigurationAgreement {
    /// The canonical text of an encodable configuration: its JSON with sorted keys, one top-level key per line.
    public static func canonicalText<T: Encodable>(_ configuration: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(configuration)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return String(decoding: data, as: UTF8.self)
        }
        return try object.keys.sorted().map { key in
            let value = try JSONSerialization.data(withJSONObject: object[key]!, options: [.sortedKeys, .fragmentsAllowed])
            return "\(key): \(String(decoding: value, as: UTF8.self))"
        }.joined(separator: "\n")
    }

    /// Publishes `text` as this rank's configuration and compares it with rank 0's. Throws on a mismatch (naming
    /// the first differing line), or when rank 0 does not publish within the store's timeout.
    public static func check(_ text: String, rank: Int, worldSize: Int, store: DistributedStore,
                             key: String = "configuration") throws {
        try store.set("\(key)/\(rank)", Array(text.utf8))
        guard rank != 0 else {
            // Rank 0 learns of a mismatch through the verdicts the others publish.
            return try collectVerdicts(worldSize: worldSize, store: store, key: key)
        }
        let reference = String(decoding: try store.get("\(key)/0"), as: UTF8.self)
        let verdict = reference == text ? "" : firstDifference(reference: reference, mine: text, rank: rank)
        try store.set("\(key)/verdict/\(rank)", Array(verdict.utf8))
        if !verdict.isEmpty { throw PipelineError(verdict) }
        // Wait until rank 0 has seen every verdict, so no rank starts training while another is about to fail.
        let outcome = String(decoding: try store.get("\(key)/outcome"), as: UTF8.self)
        if outcome != "same" { throw PipelineError(outcome) }
    }

    private static func collectVerdicts(worldSize: Int, store: DistributedStore, key: String) throws {
        var problems: [String] = []
        for r in 1..<max(worldSize, 1) {
            let verdict = String(decoding: try store.get("\(key)/verdict/\(r)"), as: UTF8.self)
            if !verdict.isEmpty { problems.append(verdict) }
        }
        let outcome = problems.first ?? "same"
        try store.set("\(key)/outcome", Array(outcome.utf8))
        if let problem = problems.first { throw PipelineError(problem) }
    }

    static func firstDifference(reference: String, mine: String, rank: Int) -> String {
        let a = reference.split(separator: "\n", omittingEmptySubsequences: false)
        let b = mine.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? String(a[i]) : "(nothing)"
            let y = i < b.count ? String(b[i]) : "(nothing)"
            if x != y {
                return "rank \(rank)'s configuration differs from rank 0's: \(y) here, \(x) on rank 0 " +
                    "(start every rank with the same options)"
            }
        }
        return "rank \(rank)'s configuration differs from rank 0's"
    }
}
