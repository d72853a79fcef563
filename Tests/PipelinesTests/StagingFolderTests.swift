import Foundation
import ImageIO
@testable import Pipelines
import TensorIO
import XCTest

/// What a staged job leaves when it publishes nothing or fails writing a staged file.
final class StagingFolderTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("staging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Publishing nothing removes the folder the job created, and leaves a folder that was already there as it was.
    func testPublishingNothingLeavesNoNewFolder() throws {
        let fresh = dir.appendingPathComponent("fresh")
        XCTAssertEqual(try StagingFolder.publish(into: fresh) { _ in }.1, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh.path))

        let existing = dir.appendingPathComponent("existing")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: existing.appendingPathComponent("note.txt"))
        XCTAssertEqual(try StagingFolder.publish(into: existing, addingTo: true) { _ in }.1, [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: existing.path), ["note.txt"])
    }

    /// A second run into a folder holding files is refused before it stages anything, naming the folder and one of
    /// the files, and leaves the folder as it was; an empty folder, or one holding only what an interrupted run
    /// left, is taken; an output meant to grow a folder (`addingTo`) adds to it.
    func testASecondRunIntoAFolderHoldingFilesIsRefused() throws {
        let out = dir.appendingPathComponent("out")
        _ = try StagingFolder.publish(into: out) { staging in try Data("1".utf8).write(to: staging.url(for: "a.png")) }
        XCTAssertThrowsError(try StagingFolder.publish(into: out) { staging in
            XCTFail("the body ran")
            try Data("2".utf8).write(to: staging.url(for: "b.png"))
        }) { error in
            XCTAssertEqual("\(error)", out.path + ": the output folder already holds another run's files (a.png, …): choose a new folder, or remove this one first")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["a.png"])

        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty.appendingPathComponent(StagingFolder.namePrefix + "old"),
                                                withIntermediateDirectories: true)
        _ = try StagingFolder.publish(into: empty) { staging in try Data("1".utf8).write(to: staging.url(for: "a.png")) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: empty.path), ["a.png"])

        _ = try StagingFolder.publish(into: out, addingTo: true) { staging in
            try Data("2".utf8).write(to: staging.url(for: "b.png"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), ["a.png", "b.png"])
    }

    /// A write error about a staged file names the file it was to become, not the hidden staging folder.
    func testAFailedStagedWriteNamesTheDestinationFile() throws {
        let out = dir.appendingPathComponent("out")
        XCTAssertThrowsError(try StagingFolder.publish(into: out) { staging in
            try Data("partial".utf8).write(to: staging.url(for: "w.npy"))
            throw TensorIOError(staging.url(for: "labels.csv"), "cannot write: No space left on device")
        }) { error in
            XCTAssertEqual("\(error)", out.path + "/labels.csv: cannot write: No space left on device")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "a failed run left its output folder")
    }

    /// An image codec's error about a staged image names it by its destination path too: the user sees
    /// `out/faces/seed0028.png`, neither the hidden folder nor a bare file name.
    func testAFailedStagedImageWriteNamesTheDestinationPath() throws {
        let out = dir.appendingPathComponent("out")
        let image = try RasterImage(width: 2, height: 2, channels: 3)
        XCTAssertThrowsError(try StagingFolder.publish(into: out) { staging in
            // The staged "faces" folder was never made: a real failure of the codec's write.
            try ImageFile.write(image, to: staging.url(for: "faces/seed0028.png"))
        }) { error in
            XCTAssertEqual("\(error)", out.path + "/faces/seed0028.png: cannot create temporary file: No such file or directory")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "a failed run left its output folder")
    }
}
