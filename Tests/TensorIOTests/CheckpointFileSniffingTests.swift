import Foundation
import TensorIO
import XCTest

/// CheckpointFile tells formats apart by their first bytes; a safetensors file's first bytes are its header length.
final class CheckpointFileSniffingTests: XCTestCase {
    /// A header length whose low byte is 0x80 (a pickle's first byte) or whose first bytes spell "PK" (a zip's)
    /// must still open as safetensors: seen with a trained encoder's model.safetensors (header 28,032 bytes).
    func testSafeTensorsWithPickleOrZipLookingLengthOpens() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sniff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tensors = StateDict(uniqueNamesWithTensors: [("w", HostTensor(float32: [1, 2, 3], shape: [3]))])
        func encoded(pad: Int) throws -> Data {
            try SafeTensors.encode(tensors, metadata: ["pad": String(repeating: "x", count: pad)])
        }
        let base = [UInt8](try encoded(pad: 0).prefix(2)).reversed().reduce(0) { $0 << 8 | Int($1) }
        // Header lengths to hit: the first one ≥ base with low byte 0x80, and "PK" read as little-endian (0x4B50).
        let targets = [("0x80", base + ((0x80 - base % 256) + 256) % 256), ("PK", 0x4B50)]
        for (what, target) in targets {
            XCTAssertGreaterThanOrEqual(target, base)
            var found = false
            // Each padding byte adds one header byte, up to the writer's alignment: search around the target.
            for pad in max(0, target - base - 16)...(target - base + 16) where !found {
                let data = try encoded(pad: pad)
                guard [UInt8](data.prefix(2)) == [UInt8(target & 0xFF), UInt8(target >> 8)] else { continue }
                found = true
                let url = dir.appendingPathComponent("\(what).safetensors")
                try data.write(to: url)
                let file = try CheckpointFile(url)
                XCTAssertEqual(file.kind, .safetensors, what)
                XCTAssertEqual(file.topLevelKeys, ["w"], what)
            }
            XCTAssertTrue(found, "no padding gave a header length starting with \(what)")
        }
    }
}
