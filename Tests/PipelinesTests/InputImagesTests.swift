import Foundation
import ImageIO
@testable import Pipelines
import Torch
import XCTest

/// One image-folder rule and one crop rule: what `invert`/`edit` read from a folder (`InputImages`) and what
/// training reads from it (`ImageFolderDataset`) are the same files in the same order, cut the same way.
final class InputImagesTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try MetricTestData.temporaryDirectory("inputs") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Images whose pixel value is their column index times 10 (so a crop's columns can be read back), wider
    /// than tall, in nested folders with mixed-case extensions, next to things that are not images.
    func makeFolder() throws {
        func columns(width: Int, height: Int) throws -> RasterImage {
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            for y in 0..<height { for x in 0..<width { for c in 0..<3 { pixels[(y * width + x) * 3 + c] = UInt8(10 * x) } } }
            return try RasterImage(width: width, height: height, channels: 3, pixels: pixels)
        }
        let deeper = try MetricTestData.folder(dir, "sub/deeper")
        try ImageFile.write(try columns(width: 16, height: 8), to: dir.appendingPathComponent("a.PNG"))
        try ImageFile.write(try columns(width: 8, height: 8), to: dir.appendingPathComponent("b.png"))
        // 24×16 at size 8: resized to 12×8, then cropped (cropping first, then resizing, gives other values).
        try ImageFile.write(try columns(width: 24, height: 16), to: dir.appendingPathComponent("sub/c.JpEg"))
        try ImageFile.write(try columns(width: 8, height: 8), to: deeper.appendingPathComponent("d.jpg"))
        // Not images, or hidden: never listed.
        try Data("x".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        try Data("x".utf8).write(to: dir.appendingPathComponent("a.png.txt"))
        try ImageFile.write(try columns(width: 8, height: 8), to: dir.appendingPathComponent(".hidden.png"))
        let hidden = try MetricTestData.folder(dir, ".cache")
        try ImageFile.write(try columns(width: 8, height: 8), to: hidden.appendingPathComponent("e.png"))
        _ = try MetricTestData.folder(dir, "folder.png")
    }

    func testInputsAndTrainingDataListTheSameFilesInTheSameOrder() throws {
        try makeFolder()
        let inputs = try InputImages(dir)
        let training = try ImageFolderDataset(root: dir, options: ImageFolderDataset.Options(resolution: 8))
        let root = dir.standardizedFileURL
        XCTAssertEqual(inputs.files.map { ImageFiles.relativePath($0, under: root) },
                       ["a.PNG", "b.png", "sub/c.JpEg", "sub/deeper/d.jpg"])
        XCTAssertEqual(inputs.files, training.files)
        XCTAssertEqual(inputs.stems, ["a", "b", "sub_c", "sub_deeper_d"])
    }

    /// A folder named through a symbolic link lists the files of the folder it names, for inputs and training alike.
    func testAFolderGivenThroughALinkListsItsImages() throws {
        try makeFolder()
        let link = FileManager.default.temporaryDirectory.appendingPathComponent("inputs-link-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: dir)
        defer { try? FileManager.default.removeItem(at: link) }
        let linked = try InputImages(link)
        XCTAssertEqual(linked.stems, ["a", "b", "sub_c", "sub_deeper_d"])
        XCTAssertEqual(try ImageFolderDataset(root: link, options: ImageFolderDataset.Options(resolution: 8)).count, 4)
    }

    func testInputsAndTrainingDataCropAlike() throws {
        try makeFolder()
        let inputs = try InputImages(dir)
        let training = try ImageFolderDataset(root: dir, options: ImageFolderDataset.Options(resolution: 8))
        var notes: [String] = []
        for i in 0..<inputs.count {
            let a = try inputs.load(i, size: 8, notes: &notes)
            let b = try XCTUnwrap(try training.image(at: i))
            XCTAssertEqual(a.shape, [1, 3, 8, 8])
            XCTAssertEqual(a.floats(), b.floats(), inputs.files[i].lastPathComponent)
        }
        // a.PNG is 16×8 at size 8: no resize (the short side is 8 already), the centre 8 columns 4…11 are kept
        // (torchvision's CenterCrop: left = round((16 − 8) / 2)). Read back from the column-coded pixels.
        let a = try inputs.load(0, size: 8, notes: &notes).floats()
        let firstRow = (0..<8).map { Int(((a[$0] + 1) * 127.5).rounded()) }
        XCTAssertEqual(firstRow, (4..<12).map { 10 * $0 })
        XCTAssertTrue(notes.contains { $0.hasPrefix("a.PNG: 16×8 is not square") }, "\(notes)")
    }

    func testOutputNamesNeverCollide() {
        XCTAssertEqual(InputImages.outputNames(relativePaths: ["a.png", "a.jpg", "b.png"]), ["a_png", "a_jpg", "b"])
        XCTAssertEqual(InputImages.outputNames(relativePaths: ["sub/x.png", "sub_x.png", "sub/y.PNG"]),
                       ["sub_x_png", "sub_x_png_2", "sub_y"])
    }

    func testEmptyAndMissingFoldersAreOneLineErrors() throws {
        try Data("x".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try InputImages(dir)) {
            XCTAssertEqual("\($0)", "\(dir.path): no PNG or JPEG images in this folder or its subfolders")
        }
        let missing = dir.appendingPathComponent("missing")
        XCTAssertThrowsError(try InputImages(missing)) { XCTAssertEqual("\($0)", "\(missing.path): no such file or folder") }
    }
}
