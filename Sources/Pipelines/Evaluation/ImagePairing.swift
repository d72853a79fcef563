import Foundation

/// Prediction and target images matched by file stem (`0001.png` ↔ `0001.jpg`), from the top level of two folders.
public struct ImagePairing {
    public struct Pair: Equatable {
        public let name: String
        public let pred: URL
        public let target: URL
    }

    /// Pairs in stem order.
    public let pairs: [Pair]
    /// Files with no partner, each side sorted.
    public let unpairedPred: [URL]
    public let unpairedTarget: [URL]

    public init(pred: URL, target: URL) throws {
        let predByStem = try ImagePairing.byStem(pred)
        let targetByStem = try ImagePairing.byStem(target)
        pairs = predByStem.keys.filter { targetByStem[$0] != nil }.sorted().map {
            Pair(name: $0, pred: predByStem[$0]!, target: targetByStem[$0]!)
        }
        unpairedPred = predByStem.filter { targetByStem[$0.key] == nil }.map(\.value).sorted { $0.path < $1.path }
        unpairedTarget = targetByStem.filter { predByStem[$0.key] == nil }.map(\.value).sorted { $0.path < $1.path }
    }

    /// The folder's images by stem; two files with one stem (`a.png`, `a.jpg`) cannot be paired unambiguously.
    static func byStem(_ directory: URL) throws -> [String: URL] {
        var out: [String: URL] = [:]
        for url in try ImageFiles.list(directory, recursive: false) {
            let stem = url.deletingPathExtension().lastPathComponent
            if let other = out[stem] {
                throw PipelineError("\(directory.path): '\(other.lastPathComponent)' and '\(url.lastPathComponent)' have the same name; pairing by name needs one file per name")
            }
            out[stem] = url
        }
        return out
    }
}
