import Foundation
import ImageIO
@testable import Pipelines
import Torch
import XCTest

/// The image-folder dataset: listing, preprocessing, seeded shuffling, exact resume, bad files, caching.
final class ImageFolderDatasetTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try MetricTestData.temporaryDirectory("dataset") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// n images (some nested, mixed formats and sizes), each with a distinct constant colour so batches are readable.
    func makeFolder(_ n: Int) throws {
        let sub = try MetricTestData.folder(dir, "sub")
        for i in 0..<n {
            let image = try RasterImage(width: 20 + i % 3 * 4, height: 16, channels: 3, fill: UInt8(10 * i))
            let folder = i % 2 == 0 ? dir! : sub
            try ImageFile.write(image, to: folder.appendingPathComponent(String(format: "img%02d.%@", i, i % 4 == 3 ? "jpg" : "png")))
        }
        // Not images: ignored.
        try Data("x".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        try Data("x".utf8).write(to: dir.appendingPathComponent(".hidden.png"))
    }

    func options(_ r: Int = 8) -> ImageFolderDataset.Options {
        var o = ImageFolderDataset.Options(resolution: r)
        o.horizontalFlip = true
        return o
    }

    /// The batch's images identified by their first pixel (each image is one grey level).
    func ids(_ batch: Tensor) -> [Int] {
        let v = batch.floats(), per = batch.count / batch.size(0)
        return (0..<batch.size(0)).map { Int((((v[$0 * per] + 1) * 127.5) / 10).rounded()) }
    }

    func testListsImagesRecursivelyInSortedOrder() throws {
        try makeFolder(6)
        let data = try ImageFolderDataset(root: dir, options: options())
        let names = data.files.map { ImageFiles.relativePath($0, under: dir.standardizedFileURL) }
        XCTAssertEqual(names, ["img00.png", "img02.png", "img04.png", "sub/img01.png", "sub/img03.jpg", "sub/img05.png"])
        XCTAssertTrue(data.isCaching)
        let batch = try data.nextBatch(4)
        XCTAssertEqual(batch.shape, [4, 3, 8, 8])
        XCTAssertEqual(batch.dtype, .float32)
    }

    func testSameSeedSameBatchesAndEpochsAreShuffledPermutations() throws {
        try makeFolder(7)
        func stream(seed: UInt64) throws -> [[Int]] {
            Torch.manualSeed(seed)
            let data = try ImageFolderDataset(root: dir, options: options())
            return try (0..<6).map { _ in ids(try data.nextBatch(3)) }
        }
        let a = try stream(seed: 5), b = try stream(seed: 5), c = try stream(seed: 6)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        // 7 images, batches of 3 with the last one dropped: two batches per epoch, no repeats within an epoch.
        for epoch in 0..<3 {
            let seen = a[2 * epoch] + a[2 * epoch + 1]
            XCTAssertEqual(Set(seen).count, 6, "epoch \(epoch): \(seen)")
        }
    }

    func testResumeContinuesExactlyMidEpochAndAcrossEpochs() throws {
        try makeFolder(7)
        Torch.manualSeed(21)
        let original = try ImageFolderDataset(root: dir, options: options())
        for _ in 0..<3 { _ = try original.nextBatch(3) } // into the second epoch
        let saved = original.position
        let rng = Torch.cpuRNGState
        let expected = try (0..<5).map { _ in try original.nextBatch(3) }
        XCTAssertEqual(saved.epoch, 1)
        XCTAssertEqual(saved.index, 3)

        // A new process: other seed, then the checkpoint's dataset position and generator state.
        Torch.manualSeed(999)
        let resumed = try ImageFolderDataset(root: dir, options: options())
        try resumed.restore(saved)
        Torch.cpuRNGState = rng
        let stateBefore = Torch.cpuRNGState
        XCTAssertEqual(resumed.position, saved)
        XCTAssertEqual(Torch.cpuRNGState, stateBefore, "restore leaves the generator alone")
        for (k, batch) in expected.enumerated() {
            XCTAssertEqual(try resumed.nextBatch(3).floats(), batch.floats(), "batch \(k) after resume")
        }
        // The position survives JSON (trainers store it in checkpoints).
        let json = try JSONEncoder().encode(saved)
        XCTAssertEqual(try JSONDecoder().decode(DatasetPosition.self, from: json), saved)
        let before = resumed.position
        XCTAssertThrowsError(try resumed.restore(DatasetPosition(epoch: 0, index: 99, epochRNGState: rng)))
        XCTAssertThrowsError(try resumed.restore(DatasetPosition(epoch: 0, index: 1, epochRNGState: [1, 2, 3])))
        XCTAssertEqual(resumed.position, before, "a failed restore changes nothing")
    }

    func testShortFinalBatchWithoutDropLast() throws {
        try makeFolder(5)
        var o = options()
        o.shuffle = false
        o.horizontalFlip = false
        let data = try ImageFolderDataset(root: dir, options: o)
        // Unshuffled order is the sorted file order: img00, img02, img04, sub/img01, sub/img03.
        XCTAssertEqual(ids(try data.nextBatch(2, dropLast: false)), [0, 2])
        XCTAssertEqual(ids(try data.nextBatch(2, dropLast: false)), [4, 1])
        XCTAssertEqual(ids(try data.nextBatch(2, dropLast: false)).count, 1)
        XCTAssertEqual(ids(try data.nextBatch(2, dropLast: false)), [0, 2])
        XCTAssertEqual(data.position.epoch, 1)
        XCTAssertThrowsError(try data.nextBatch(6)) { XCTAssertTrue("\($0)".contains("larger than the 5 images"), "\($0)") }
    }

    func testSquareCropMatchesTorchvisionGeometry() throws {
        // 30 wide × 20 high; columns 0…14 dark, 15…29 bright. Resize(10) → 15×10, CenterCrop(10) keeps columns
        // round(2.5) = 2 (half to even) … 11 of the resized image.
        var pixels = [UInt8]()
        for _ in 0..<20 { for x in 0..<30 { pixels += Array(repeating: x < 15 ? 0 : 255, count: 3) } }
        let image = ImageTensors.tensor(try RasterImage(width: 30, height: 20, channels: 3, pixels: pixels))
        let out = SquareCrop.apply(image, resolution: 10)
        XCTAssertEqual(out.shape, [1, 3, 10, 10])
        let resized = Functional.interpolate(image, size: (10, 15), mode: .bilinear, alignCorners: false, antialias: true)
        XCTAssertEqual(out.floats(), resized.narrow(dim: 3, start: 2, length: 10).contiguous().floats())
        // Portrait: the crop is vertical. Square input at the resolution passes through.
        XCTAssertEqual(SquareCrop.apply(Tensor.zeros([1, 3, 40, 20]), resolution: 16).shape, [1, 3, 16, 16])
        let square = Tensor.rand([1, 3, 12, 12])
        XCTAssertEqual(SquareCrop.apply(square, resolution: 12).floats(), square.floats())
    }

    func testFlipsAreDrawnAndDeterministic() throws {
        // One asymmetric image: left half black, right half white.
        var pixels = [UInt8]()
        for _ in 0..<8 { for x in 0..<8 { pixels += Array(repeating: x < 4 ? 0 : 255, count: 3) } }
        for i in 0..<8 { try ImageFile.write(try RasterImage(width: 8, height: 8, channels: 3, pixels: pixels), to: dir.appendingPathComponent("a\(i).png")) }
        Torch.manualSeed(3)
        let data = try ImageFolderDataset(root: dir, options: options())
        let batch = try data.nextBatch(8)
        let leftPixels = (0..<8).map { batch[$0].select(dim: 0, index: 0).select(dim: 0, index: 0).select(dim: 0, index: 0).item() }
        XCTAssertTrue(leftPixels.contains(-1) && leftPixels.contains(1), "some images flipped, some not: \(leftPixels)")
    }

    func testBadFilesFailByDefaultOrAreSkipped() throws {
        try makeFolder(4)
        let bad = dir.appendingPathComponent("broken.png")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]).write(to: bad)
        var o = options()
        o.shuffle = false
        let failing = try ImageFolderDataset(root: dir, options: o)
        XCTAssertThrowsError(try failing.nextBatch(5)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(bad.path + ":"), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        o.onBadFile = .skip
        let skipping = try ImageFolderDataset(root: dir, options: o)
        var warnings: [String] = []
        skipping.warn = { warnings.append($0) }
        let batch = try skipping.nextBatch(4)
        XCTAssertEqual(batch.size(0), 4)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("broken.png"))
        XCTAssertEqual(skipping.skippedFiles, [bad.path])
        _ = try skipping.nextBatch(4)
        XCTAssertEqual(warnings.count, 1, "warned once per file")

        let empty = try MetricTestData.folder(dir, "empty")
        XCTAssertThrowsError(try ImageFolderDataset(root: empty, options: o)) { XCTAssertTrue("\($0)".contains("no PNG or JPEG"), "\($0)") }
        XCTAssertThrowsError(try ImageFolderDataset(root: dir.appendingPathComponent("nope"), options: o))
    }

    func testCachingIsConfigurableAndTransparent() throws {
        try makeFolder(3)
        var o = options()
        o.cacheLimitBytes = 0
        let uncached = try ImageFolderDataset(root: dir, options: o)
        XCTAssertFalse(uncached.isCaching)
        o.cacheLimitBytes = 3 * 8 * 8 * 4 * 3
        let cached = try ImageFolderDataset(root: dir, options: o)
        XCTAssertTrue(cached.isCaching)
        o.cacheLimitBytes -= 1
        XCTAssertFalse(try ImageFolderDataset(root: dir, options: o).isCaching)
        for i in 0..<3 {
            XCTAssertEqual(try cached.image(at: i)!.floats(), try uncached.image(at: i)!.floats())
            XCTAssertEqual(try cached.image(at: i)!.floats(), try uncached.image(at: i)!.floats())
        }
    }
}
