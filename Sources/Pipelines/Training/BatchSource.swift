import Torch

/// Where a trainer draws its real images from: N×3×R×R batches in [-1, 1], with a position that a checkpoint
/// stores so a resumed run continues with exactly the batches the uninterrupted run would have seen.
public protocol BatchSource: AnyObject {
    /// The next `count` images (reshuffling through libtorch's seeded generator at epoch boundaries).
    func nextBatch(_ count: Int) throws -> Tensor
    /// The position (epoch, index, permutation …) as named integers.
    var resumePosition: [String: [Int64]] { get }
    func restore(resumePosition position: [String: [Int64]]) throws
    /// The square resolution of the images.
    var resolution: Int { get }
    /// Number of images.
    var count: Int { get }
    /// The first `n` readable images in the source's own order (fewer if it has fewer), unflipped: a fixed set that
    /// does not depend on, or move, the stream's position.
    func firstImages(_ n: Int) throws -> Tensor
}

/// A batch source over images already in memory (tests, generated data).
public final class TensorBatchSource: BatchSource {
    public let images: Tensor
    var order: EpochOrder

    /// `images`: N×3×R×R in [-1, 1].
    public init(images: Tensor) {
        precondition(images.rank == 4 && images.size(2) == images.size(3), "TensorBatchSource: N×3×R×R images")
        self.images = images
        order = EpochOrder(count: images.size(0))
    }

    public var resolution: Int { images.size(2) }
    public var count: Int { images.size(0) }

    public func nextBatch(_ n: Int) throws -> Tensor {
        images.indexSelect(dim: 0, index: Tensor(order.next(n)))
    }

    public func firstImages(_ n: Int) throws -> Tensor { images.narrow(dim: 0, start: 0, length: Swift.min(n, count)) }

    public var resumePosition: [String: [Int64]] { order.position }

    public func restore(resumePosition position: [String: [Int64]]) throws {
        guard let restored = order.restored(position) else {
            throw TorchError("batch source position does not match this data (\(count) images)")
        }
        order = restored
    }
}
