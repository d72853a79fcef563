import Foundation
import XCTest
@testable import TensorIO

final class AtomicFileTests: XCTestCase {
    func testWritesAndReplaces() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("out.bin")
        try AtomicFile.write(Data("first".utf8), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data("first".utf8))
        try AtomicFile.write(Data("second, longer".utf8), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data("second, longer".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.bin"])
    }

    func testStreamingWriterCountsBytes() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("stream.bin")
        var written = 0
        try AtomicFile.write(to: url) { sink in
            for i in 0..<100 { try sink.write(Data(repeating: UInt8(i), count: 1000)) }
            written = sink.bytesWritten
        }
        XCTAssertEqual(written, 100_000)
        XCTAssertEqual(try Data(contentsOf: url).count, 100_000)
    }

    func testFailureLeavesDestinationAndNoTemporaryFile() throws {
        struct Boom: Error {}
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("keep.bin")
        try AtomicFile.write(Data("old".utf8), to: url)
        XCTAssertThrowsError(try AtomicFile.write(to: url) { sink in
            try sink.write(Data("partial".utf8))
            throw Boom()
        }) { XCTAssertTrue($0 is Boom) }
        XCTAssertEqual(try Data(contentsOf: url), Data("old".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["keep.bin"])
    }

    func testErrorsNameThePath() throws {
        assertTensorIOError("/nonexistent-dir/x.bin: cannot create temporary file") {
            try AtomicFile.write(Data([1]), to: URL(fileURLWithPath: "/nonexistent-dir/x.bin"))
        }
        // Renaming a file over a non-empty directory fails; the temporary file is cleaned up.
        let dir = try temporaryDirectory(self)
        let target = dir.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data([1]).write(to: target.appendingPathComponent("inside"))
        assertTensorIOError("cannot rename into place") { try AtomicFile.write(Data([1]), to: target) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["occupied"])
    }

    func testPreparedFileIsHiddenUntilPublishedAndDiscardLeavesNothing() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("report.csv")
        try AtomicFile.write(Data("old".utf8), to: url)
        var announced: URL?
        let pending = try AtomicFile.prepare(Data("new".utf8), for: url) { announced = $0 }
        // Announced before it existed, and that is where the content went; the destination still holds the old file.
        XCTAssertEqual(announced, pending.temporary)
        XCTAssertEqual(try Data(contentsOf: pending.temporary), Data("new".utf8))
        XCTAssertEqual(try Data(contentsOf: url), Data("old".utf8))
        try pending.publish()
        XCTAssertEqual(try Data(contentsOf: url), Data("new".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["report.csv"])

        let dropped = try AtomicFile.prepare(Data("never".utf8), for: url)
        dropped.discard()
        XCTAssertEqual(try Data(contentsOf: url), Data("new".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["report.csv"])
    }
}
