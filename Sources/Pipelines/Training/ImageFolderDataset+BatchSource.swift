import Torch

/// The image-folder dataset feeds the trainers; its position (epoch, index, the RNG state its epoch order was drawn
/// from) goes into their checkpoints.
extension ImageFolderDataset: BatchSource {
    public var resolution: Int { options.resolution }

    public func nextBatch(_ count: Int) throws -> Tensor { try nextBatch(count, dropLast: true) }

    public var resumePosition: [String: [Int64]] {
        let p: DatasetPosition = self.position
        return ["epoch": [Int64(p.epoch)], "index": [Int64(p.index)], "rng": p.epochRNGState.map { Int64($0) }]
    }

    public func restore(resumePosition position: [String: [Int64]]) throws {
        guard let epoch = position["epoch"]?.first, let index = position["index"]?.first else {
            throw PipelineError("checkpoint has no dataset position")
        }
        let rng = (position["rng"] ?? []).map { UInt8(truncatingIfNeeded: $0) }
        try restore(DatasetPosition(epoch: Int(epoch), index: Int(index), epochRNGState: rng))
    }
}
