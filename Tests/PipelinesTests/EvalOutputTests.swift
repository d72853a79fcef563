import Foundation
@testable import Pipelines
import XCTest

/// `EvalOutput.writeAll`: several result files (`eval pairs --csv --json`) are written all or none.
final class EvalOutputTests: XCTestCase {
    /// When the second file cannot be written, the first keeps its earlier content (no new CSV beside an old JSON)
    /// and no temporary is left; the error names the file that failed.
    func testAFailedSecondFileLeavesTheFirstAsItWas() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eval-output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("pairs.csv")
        try Data("old\n".utf8).write(to: csv)
        let json = dir.appendingPathComponent("gone/pairs.json")
        XCTAssertThrowsError(try EvalOutput.writeAll([(Data("new\n".utf8), csv), (Data("{}".utf8), json)])) {
            XCTAssertTrue("\($0)".hasPrefix(json.path + ": "), "\($0)")
        }
        XCTAssertEqual(try String(contentsOf: csv, encoding: .utf8), "old\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["pairs.csv"])

        XCTAssertEqual(try EvalOutput.writeAll([(Data("new\n".utf8), csv)]), [csv])
        XCTAssertEqual(try String(contentsOf: csv, encoding: .utf8), "new\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["pairs.csv"])
    }
}
