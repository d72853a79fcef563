import Foundation

/// Where an `ImageFolderDataset` is in its stream of batches, for exact resume: the epoch, how many entries of
/// that epoch's order were consumed, and the state of libtorch's CPU generator from which the epoch's order (and
/// flips) were drawn — enough to draw the very same order again without touching the generator's current state.
/// Codable, so trainers store it in their checkpoints.
public struct DatasetPosition: Codable, Equatable, Sendable {
    /// Epochs start at 0; -1 before the first batch.
    public var epoch: Int
    /// Entries of the epoch's order already consumed (including skipped bad files).
    public var index: Int
    /// libtorch's CPU generator state right before the epoch's order was drawn (empty before the first batch).
    public var epochRNGState: [UInt8]

    public static let start = DatasetPosition(epoch: -1, index: 0, epochRNGState: [])

    public init(epoch: Int, index: Int, epochRNGState: [UInt8]) {
        self.epoch = epoch
        self.index = index
        self.epochRNGState = epochRNGState
    }
}
