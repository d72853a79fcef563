import Foundation
import ImageIO
import Torch
import XCTest

/// Shared by the metric, evaluation and dataset tests (namespaced so other CLITests files can have their own helpers).
enum MetricTestData {
    static func temporaryDirectory(_ tag: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gs-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func folder(_ parent: URL, _ name: String) throws -> URL {
        let dir = parent.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A deterministic RGB image: smooth gradients plus pseudo-random texture from `seed`.
    static func raster(width: Int, height: Int, seed: Int) throws -> RasterImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let noise = Int(state >> 59) // 0…31
                    let base = (x * 255 / max(width - 1, 1) + y * 97 / max(height - 1, 1) + c * 60 + seed * 13) % 200
                    pixels[(y * width + x) * 3 + c] = UInt8(min(255, base + noise))
                }
            }
        }
        return try RasterImage(width: width, height: height, channels: 3, pixels: pixels)
    }

    @discardableResult
    static func writeImage(_ dir: URL, _ name: String, width: Int, height: Int, seed: Int) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try ImageFile.write(raster(width: width, height: height, seed: seed), to: url)
        return url
    }

    /// An image in [-1, 1] with every pixel of channel c equal to values[c].
    static func constant(_ values: [Float], height: Int, width: Int) -> Tensor {
        let plane = height * width
        return Tensor(values.flatMap { Array(repeating: $0, count: plane) }, shape: [1, values.count, height, width])
    }

    static func files(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }
}
