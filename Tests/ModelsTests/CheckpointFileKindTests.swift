import Foundation
import Models
import TensorIO
import Torch
import XCTest

final class CheckpointFileKindTests: XCTestCase {
    /// A safetensors file starts with its header length (u64, little endian); when that length's low byte is 0x80,
    /// the file starts like a pickle (PROTO). It must still be read as safetensors.
    func testSafetensorsWhoseHeaderLengthStartsWith0x80() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckind-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var found = false
        for padding in 0..<64 {
            let url = dir.appendingPathComponent("t\(padding).safetensors")
            var tensors = StateDict()
            tensors["w"] = Tensor([1, 2, 3] as [Float]).hostTensor()
            try SafeTensors.write(tensors, metadata: ["note": String(repeating: "x", count: padding)], to: url)
            let head = try CheckpointFile.readHeadBytes(url, count: 1)
            guard head.first == 0x80 else { continue }
            found = true
            let file = try CheckpointFile(url)
            XCTAssertEqual(file.kind, .safetensors)
            XCTAssertEqual(try file.hostTensors()["w"]?.floats(), [1, 2, 3])
        }
        XCTAssertTrue(found, "no padding gave a header length with low byte 0x80")
    }
}
