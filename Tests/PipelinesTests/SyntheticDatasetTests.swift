import Foundation
import ImageIO
@testable import Pipelines
import SyntheticFaces
import XCTest

/// `SyntheticDataset.write` (what `gradstyle data synth` runs): files, labels, determinism, argument errors.
/// The command itself is CLITests' DataSynthCommandTests.
final class SyntheticDatasetTests: XCTestCase {
    func tmpDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("synth-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func bytes(_ url: URL) throws -> Data { try Data(contentsOf: url) }

    func testWritesImagesAndLabels() throws {
        let dir = try tmpDir()
        let summary = try SyntheticDataset.write(count: 4, to: dir, size: 32, seed: 9, start: 3, quiet: true, writeDetails: true)
        XCTAssertEqual(summary.count, 4)
        for index in 3..<7 {
            let image = try ImageFile.read(dir.appendingPathComponent(String(format: "%06d.png", index)))
            XCTAssertEqual(image.width, 32)
            XCTAssertEqual(image.height, 32)
            XCTAssertEqual(image.channels, 3)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("000002.png").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("000007.png").path))

        let labels = try SyntheticLabels(contentsOf: dir.appendingPathComponent("labels.csv"))
        XCTAssertEqual(Array(labels.columns.prefix(6)), ["file", "smile", "yaw", "age", "eyeglasses", "hair_hue"])
        XCTAssertEqual(labels.columns, ["file"] + FaceAttribute.allCases.map(\.column) + SyntheticDataset.detailColumns)
        XCTAssertEqual(labels.rows.count, 4)
        let sampler = FaceSampler(seed: 9)
        for (row, index) in (3..<7).enumerated() {
            let sample = sampler.sample(index)
            XCTAssertEqual(labels.value("file", row: row), String(format: "%06d.png", index))
            // Exactly the sampler's values (shortest round-trip decimal text).
            XCTAssertEqual(labels.attributes(row: row), sample.attributes)
            XCTAssertEqual(labels.value("hair_style", row: row), sample.details.hair.kind.rawValue)
            XCTAssertEqual(labels.value("freckles", row: row), "\(sample.details.freckles.count)")
            XCTAssertEqual(labels.value("background_pattern", row: row), sample.details.background.pattern.rawValue)
            // The image on disk is the renderer's image of that sample.
            let onDisk = try ImageFile.read(dir.appendingPathComponent(String(format: "%06d.png", index)))
            XCTAssertEqual(onDisk, FaceRenderer().render(sample, size: 32))
        }

        let entries = try JSONDecoder().decode([SyntheticDataset.DetailsEntry].self,
                                               from: bytes(dir.appendingPathComponent("details.json")))
        XCTAssertEqual(entries.map(\.index), [3, 4, 5, 6])
        XCTAssertEqual(entries[1].sample, sampler.sample(4))
        let meta = try JSONSerialization.jsonObject(with: bytes(dir.appendingPathComponent("synth.json"))) as? [String: Any]
        XCTAssertEqual(meta?["seed"] as? String, "9")
        XCTAssertEqual(meta?["size"] as? Int, 32)
        // No temporary files left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertFalse(names.contains { $0.hasPrefix(".") })
    }

    func testImageIDoesNotDependOnCountStartOrThreads() throws {
        let a = try tmpDir(), b = try tmpDir(), c = try tmpDir()
        try SyntheticDataset.write(count: 4, to: a, size: 32, seed: 2, quiet: true, threads: 1)
        try SyntheticDataset.write(count: 2, to: b, size: 32, seed: 2, start: 2, quiet: true, threads: 2)
        try SyntheticDataset.write(count: 4, to: c, size: 32, seed: 2, quiet: true, threads: 3)
        for name in ["000002.png", "000003.png"] {
            XCTAssertEqual(try bytes(a.appendingPathComponent(name)), try bytes(b.appendingPathComponent(name)), name)
        }
        for name in ["000000.png", "000001.png", "000002.png", "000003.png", "labels.csv"] {
            XCTAssertEqual(try bytes(a.appendingPathComponent(name)), try bytes(c.appendingPathComponent(name)), name)
        }
        // Another seed is another dataset.
        let d = try tmpDir()
        try SyntheticDataset.write(count: 1, to: d, size: 32, seed: 3, quiet: true)
        XCTAssertNotEqual(try bytes(a.appendingPathComponent("000000.png")), try bytes(d.appendingPathComponent("000000.png")))
    }

    func testRejectsBadArgumentsWithOneLineErrors() throws {
        let dir = try tmpDir()
        func message(_ body: () throws -> Void) -> String? {
            do {
                try body()
                return nil
            } catch let error as SyntheticDataError {
                return error.description
            } catch {
                return "unexpected \(type(of: error)): \(error)"
            }
        }
        let cases: [(String?, String)] = [
            (message { try SyntheticDataset.write(count: 0, to: dir, quiet: true) }, "face count must be at least 1, got 0"),
            (message { try SyntheticDataset.write(count: 1, to: dir, size: 31, quiet: true) }, "image size must be an even number from 32 to 512, got 31"),
            (message { try SyntheticDataset.write(count: 1, to: dir, size: 33, quiet: true) }, "got 33"),
            (message { try SyntheticDataset.write(count: 1, to: dir, size: 16, quiet: true) }, "got 16"),
            (message { try SyntheticDataset.write(count: 1, to: dir, size: 1024, quiet: true) }, "got 1024"),
            (message { try SyntheticDataset.write(count: 1, to: dir, start: -1, quiet: true) }, "first face index must be 0 or more, got -1"),
            (message { try SyntheticDataset.write(count: 1, to: dir, quiet: true, threads: 0) }, "render thread count must be at least 1, got 0"),
        ]
        for (text, expected) in cases {
            let text = try XCTUnwrap(text, "expected an error mentioning \(expected)")
            XCTAssert(text.contains(expected), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path), "nothing is created for a rejected request")

        // An output path below a regular file cannot be created (this holds even for root).
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        for out in [file, file.appendingPathComponent("sub")] {
            let text = try XCTUnwrap(message { try SyntheticDataset.write(count: 1, to: out, size: 32, quiet: true) })
            XCTAssert(text.contains(out.path), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
    }

    func testPreviewGrid() throws {
        let grid = try SyntheticDataset.previewGrid(seed: 1, count: 6, size: 32, columns: 3)
        // 3 × 2 tiles of 32 with 2-pixel padding.
        XCTAssertEqual(grid.width, 3 * 32 + 4 * 2)
        XCTAssertEqual(grid.height, 2 * 32 + 3 * 2)
    }
}
