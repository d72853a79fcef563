import Foundation
import ImageIO
@testable import SyntheticFaces
import XCTest

/// Writes preview sheets of the synthetic domain for a person to look at, when GRADSTYLE_SYNTH_PREVIEW names a
/// folder (skipped otherwise): random faces at 64² and 128², and per face the attribute sweeps with their masks.
final class SyntheticPreviewTests: XCTestCase {
    func testWritePreviewSheets() throws {
        guard let folder = ProcessInfo.processInfo.environment["GRADSTYLE_SYNTH_PREVIEW"], !folder.isEmpty else {
            throw XCTSkip("set GRADSTYLE_SYNTH_PREVIEW=/some/folder to write preview sheets")
        }
        let dir = URL(fileURLWithPath: folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let seed = UInt64(ProcessInfo.processInfo.environment["GRADSTYLE_SYNTH_SEED"] ?? "0") ?? 0
        for size in [64, 128] {
            let grid = try SyntheticDataset.previewGrid(seed: seed, count: 24, size: size, columns: 8)
            try ImageFile.write(grid, to: dir.appendingPathComponent("faces-\(size).png"))
        }

        // Attribute sweeps: one row per face, columns low → high for each editable attribute, then the masks.
        let renderer = FaceRenderer(), sampler = FaceSampler(seed: seed)
        let sweeps: [(FaceAttribute, [Double])] = [(.smile, [-1, 0, 1]), (.yaw, [-1, 0, 1]), (.age, [0, 0.5, 1]),
                                                   (.eyeglasses, [0, 1]), (.hairHue, [0, 0.33, 0.66])]
        // Large yaw sweeps of two faces.
        var yawTiles: [RasterImage] = []
        for i in [2, 3] {
            for v in [-1.0, -0.5, 0, 0.5, 1] {
                yawTiles.append(renderer.render(sampler.sample(i).modified(\.yaw, to: v), size: 256))
            }
        }
        try ImageFile.write(try ImageGrid.mosaic(yawTiles, columns: 5, padding: 2), to: dir.appendingPathComponent("yaw-256.png"))

        for (size, rows) in [(64, 6), (128, 3)] {
            var tiles: [RasterImage] = []
            for i in 0..<rows {
                let face = sampler.sample(i)
                for (attribute, values) in sweeps {
                    for v in values { tiles.append(renderer.render(face.modified(attribute.keyPath, to: v), size: size)) }
                }
                let masks = renderer.renderWithMasks(face, size: size)
                for region in [FaceRegion.mouth, .eyes, .hair] { tiles.append(masks.maskImage(region).toRGB()) }
            }
            let columns = tiles.count / rows
            let labels = sweeps.flatMap { a, values in values.map { "\(a.column.prefix(5)) \($0)" } } + ["mouth", "eyes", "hair"]
            let sheet = try ImageGrid(rows: rows, columns: columns, padding: 2, columnLabels: labels.map { String($0.prefix(10)) })
                .render(tiles)
            try ImageFile.write(sheet, to: dir.appendingPathComponent("sweeps-\(size).png"))
        }
    }
}
