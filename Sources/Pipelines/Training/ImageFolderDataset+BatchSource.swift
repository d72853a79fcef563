import Torch

/// The image-folder dataset feeds the trainers; its position (epoch, index, the RNG state its epoch order was drawn
/// from) goes into their checkpoints.
extension ImageFolderDataset: BatchSource {
    public var resolution: Int { options.resolution }

    public func nextBatch(_ count: Int) throws -> Tensor { try nextBatch(count, dropLast: true) }

    public func firstImages(_ n: Int) throws -> Tensor {
        var images: [Tensor] = []
        for index in 0..<count where images.count < n {
            if let image = try image(at: index) { images.append(image) }
        }
        guard !images.isEmpty else { throw PipelineError("\(root.path): none of the \(count) images could be read") }
        return Tensor.cat(images, dim: 0).to(device: options.device)
    }

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
