import Foundation
import ImageIO
import SyntheticFaces
import XCTest

/// `gradstyle data synth` through the built binary: bad arguments are one line naming the option or file; a good
/// run writes exactly the renderer's image for each face. (--count is ReliabilityCommandTests'.)
final class DataSynthCommandTests: XCTestCase {
    func testBadArgumentsAreOneLineAndAGoodRunWritesTheRenderersImages() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synth-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("f")
        try Data().write(to: file)
        let bad: [([String], String)] = [
            (["--count", "2", "--out", dir.path, "--size", "33"], "--size"),
            (["--count", "2", "--out", dir.path, "--size", "1024"], "--size"),
            (["--count", "2", "--out", file.appendingPathComponent("x").path], file.path),
        ]
        for (args, expected) in bad {
            let r = try BuiltBinary.run(["data", "synth", "--quiet"] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertEqual(r.stderr.split(whereSeparator: \.isNewline).count, 1, "\(args): \(r.stderr)")
            XCTAssert(r.errorLine.hasPrefix("Error: ") && r.errorLine.contains(expected), "\(args): \(r.stderr)")
        }
        let out = dir.appendingPathComponent("ok")
        let r = try BuiltBinary.run(["data", "synth", "--count", "3", "--out", out.path, "--size", "32", "--seed", "4", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let expected = dir.appendingPathComponent("expected.png")
        try ImageFile.write(FaceRenderer().render(FaceSampler(seed: 4).sample(2), size: 32), to: expected)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("000002.png")), try Data(contentsOf: expected))
    }
}
