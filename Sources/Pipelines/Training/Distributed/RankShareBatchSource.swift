import Torch

/// A batch source that gives this rank its share of the global batch: asked for B images, it draws the N·B that
/// one process with the global batch would draw from `source` (every rank advances the same shared stream) and
/// keeps rows rank·B ..< (rank+1)·B. The position is `source`'s, so resume works unchanged on every rank.
public final class RankShareBatchSource: BatchSource {
    public let source: BatchSource
    public let rank: Int
    public let worldSize: Int

    public init(_ source: BatchSource, rank: Int, worldSize: Int) {
        precondition((0..<worldSize).contains(rank), "RankShareBatchSource: rank outside the world")
        self.source = source
        self.rank = rank
        self.worldSize = worldSize
    }

    public func nextBatch(_ count: Int) throws -> Tensor {
        let global = try source.nextBatch(count * worldSize)
        return global.narrow(dim: 0, start: rank * count, length: count)
    }

    public var resumePosition: [String: [Int64]] { source.resumePosition }
    public func restore(resumePosition position: [String: [Int64]]) throws {
        try source.restore(resumePosition: position)
    }
    public var resolution: Int { source.resolution }
    public var count: Int { source.count }
}
