import Foundation
import ImageIO
import Torch

/// The images under a folder as a stream of training batches: PNG/JPEG files found recursively in sorted order,
/// each decoded, resized on its shorter side (antialiased) and centre-cropped to R×R (`SquareCrop`), optionally
/// flipped horizontally at random, batched as N×3×R×R float32 tensors in [-1, 1].
///
/// Randomness (the per-epoch shuffle and flips) comes only from libtorch's seeded CPU generator, drawn once at the
/// start of each epoch, so a seed fixes every batch; `position` / `restore(_:)` resume a stream exactly, mid-epoch.
/// Bad files fail the batch with a one-line error naming the file (default), or are skipped with a warning.
/// Decoded images are kept in memory when the whole set fits in `cacheLimitBytes`.
public final class ImageFolderDataset {
    public enum BadFilePolicy: String, Sendable { case fail, skip }

    public struct Options {
        public var resolution: Int
        public var shuffle = true
        public var horizontalFlip = false
        public var onBadFile: BadFilePolicy = .fail
        /// Cache decoded R×R images when all of them together take at most this many bytes; 0 disables caching.
        public var cacheLimitBytes = 1 << 30
        /// Where batches are put.
        public var device: Device = .cpu

        public init(resolution: Int) { self.resolution = resolution }
    }

    public let root: URL
    public let files: [URL]
    public let options: Options
    public var count: Int { files.count }
    /// Whether decoded images are kept in memory (decided from the set's size and `cacheLimitBytes`).
    public let isCaching: Bool
    /// Where the stream is; store it to resume later.
    public private(set) var position = DatasetPosition.start
    /// Files skipped so far under `.skip`, by path.
    public private(set) var skippedFiles: Set<String> = []
    /// Receives one line per skipped file (default: standard error).
    public var warn: (String) -> Void = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }

    private var order: [Int] = []
    private var flips: [Bool] = []
    private var cache: [Int: Tensor] = [:]

    public init(root: URL, options: Options) throws {
        guard options.resolution >= 1 else { throw PipelineError("resolution must be positive, got \(options.resolution)") }
        self.root = root
        self.options = options
        files = try ImageFiles.list(root, recursive: true)
        guard !files.isEmpty else { throw PipelineError("\(root.path): no PNG or JPEG images found") }
        let bytesPerImage = 3 * options.resolution * options.resolution * 4
        isCaching = options.cacheLimitBytes > 0 && files.count <= options.cacheLimitBytes / bytesPerImage
    }

    /// Image `index` (in `files` order) as a 1×3×R×R CPU tensor in [-1, 1], unflipped; nil when it is bad and
    /// skipped. Throws `PipelineError` naming the file under `.fail`.
    public func image(at index: Int) throws -> Tensor? {
        if let cached = cache[index] { return cached }
        let url = files[index]
        if skippedFiles.contains(url.path) { return nil }
        let tensor: Tensor
        do {
            let raster = try ImageFile.read(url)
            tensor = SquareCrop.apply(ImageTensors.tensor(raster), resolution: options.resolution).contiguous()
        } catch let error as ImageIOError {
            let message = "\(url.path): \(error.detail)"
            if options.onBadFile == .fail { throw PipelineError(message) }
            skippedFiles.insert(url.path)
            warn("skipping \(message)")
            return nil
        }
        if isCaching { cache[index] = tensor }
        return tensor
    }

    /// The next `size` images of the stream. With `dropLast` (the default, as training wants) an epoch's last
    /// incomplete batch is dropped and the next epoch begins; without it that batch comes out smaller.
    public func nextBatch(_ size: Int, dropLast: Bool = true) throws -> Tensor {
        guard size >= 1 else { throw PipelineError("batch size must be at least 1, got \(size)") }
        if dropLast && size > count {
            throw PipelineError("\(root.path): batch size \(size) is larger than the \(count) images found")
        }
        var images: [Tensor] = []
        var consecutiveBad = 0
        while images.count < size {
            let remaining = count - position.index
            if position.epoch < 0 || remaining <= 0 || (images.isEmpty && dropLast && remaining < size) {
                if !images.isEmpty && !dropLast { break } // the epoch's short final batch
                beginEpoch(position.epoch + 1)
            }
            let slot = position.index
            position.index += 1
            guard let image = try image(at: order[slot]) else {
                consecutiveBad += 1
                if consecutiveBad >= count { throw PipelineError("\(root.path): none of the \(count) images could be read") }
                continue
            }
            consecutiveBad = 0
            images.append(flips[slot] ? image.flip([3]) : image)
            // Skipped files can leave an epoch too short for a full batch: the rest then comes from the next one.
        }
        return Tensor.cat(images, dim: 0).to(device: options.device)
    }

    /// Continues exactly where a stream stood when `position` was read. libtorch's generator is left as it is.
    public func restore(_ saved: DatasetPosition) throws {
        guard saved.epoch >= -1, saved.index >= 0, saved.index <= count else {
            throw PipelineError("dataset position (epoch \(saved.epoch), index \(saved.index)) does not fit \(count) images")
        }
        if saved.epoch < 0 {
            position = .start
            order = []
            flips = []
            return
        }
        guard !saved.epochRNGState.isEmpty else { throw PipelineError("dataset position lacks its generator state") }
        let current = Torch.cpuRNGState
        defer { Torch.cpuRNGState = current }
        // The state comes from a checkpoint: a malformed one is an error, not a trap.
        let drawn = try withTorchErrors { () -> (order: [Int], flips: [Bool]) in
            Torch.cpuRNGState = saved.epochRNGState
            return drawOrder()
        }
        (order, flips) = drawn
        position = saved
    }

    private func beginEpoch(_ epoch: Int) {
        let state = Torch.cpuRNGState
        (order, flips) = drawOrder()
        position = DatasetPosition(epoch: epoch, index: 0, epochRNGState: state)
    }

    /// An epoch's order and flips, from the generator's current state.
    private func drawOrder() -> (order: [Int], flips: [Bool]) {
        let order = options.shuffle ? Tensor.randperm(count).int64s().map { Int($0) } : Array(0..<count)
        let flips = options.horizontalFlip ? Tensor.randint(0, 2, [count]).int64s().map { $0 == 1 }
            : Array(repeating: false, count: count)
        return (order, flips)
    }
}
