import Foundation
import XCTest
@testable import ImageIO

final class AtomicWriteTests: XCTestCase {
    func testFailedRenameLeavesNoTemporaryFile() throws {
        let directory = try makeTemporaryDirectory(self)
        // The destination is a directory: the temporary file is written, then rename(2) fails with EISDIR.
        let blocked = directory.appendingPathComponent("out.png")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: false)
        let error = assertImageIOError(.fileSystem) { try ImageFile.write(patternImage(width: 4, height: 4, channels: 3), to: blocked) }
        XCTAssertTrue(error?.description.hasPrefix("\(blocked.path): cannot rename into place: ") ?? false, "\(String(describing: error))")
        XCTAssertEqual(try listing(directory), ["out.png"])
        XCTAssertEqual(try listing(blocked), [])
    }

    func testMissingDirectoryCreatesNothing() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("no-such-dir/out.jpg")
        let error = assertImageIOError(.fileSystem) { try ImageFile.write(patternImage(width: 4, height: 4, channels: 3), to: url) }
        XCTAssertEqual(error?.description, "\(url.path): cannot create temporary file: No such file or directory")
        XCTAssertEqual(try listing(directory), [])
    }

    func testOverwriteReplacesWholeFileAndLeavesNoTemporaries() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("frame.png")
        let big = patternImage(width: 200, height: 100, channels: 4)
        let small = patternImage(width: 3, height: 2, channels: 1, seed: 5)
        try ImageFile.write(big, to: url)
        try ImageFile.write(small, to: url)
        XCTAssertEqual(try ImageFile.read(url), small)
        XCTAssertEqual(try Data(contentsOf: url), try ImageCodec.encode(small, as: .png))
        XCTAssertEqual(try listing(directory), ["frame.png"])
    }

    func testEncodingFailureLeavesExistingFileUntouched() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("keep.jpg")
        let original = Data("previous contents".utf8)
        try original.write(to: url)
        let image = patternImage(width: 8, height: 8, channels: 3)
        assertImageIOError(.invalidArgument) {
            try ImageFile.write(image, to: url, options: ImageEncodingOptions(jpegQuality: 500))
        }
        XCTAssertEqual(try Data(contentsOf: url), original)
        XCTAssertEqual(try listing(directory), ["keep.jpg"])
    }

    func testNewFilesGetOrdinaryPermissions() throws {
        let directory = try makeTemporaryDirectory(self)
        let url = directory.appendingPathComponent("perm.png")
        try ImageFile.write(patternImage(width: 2, height: 2, channels: 1), to: url)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)
        let umask = Self.currentUmask()
        XCTAssertEqual(mode.intValue & 0o777, 0o666 & ~umask)
    }

    private static func currentUmask() -> Int {
        let old = umask(0)
        umask(old)
        return Int(old)
    }
}
