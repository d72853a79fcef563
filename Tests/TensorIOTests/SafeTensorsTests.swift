import Foundation
import XCTest
@testable import TensorIO

final class SafeTensorsTests: XCTestCase {
    /// A safetensors file from a header text (unpadded) and a data section.
    private func file(_ header: String, _ data: Data = Data()) -> Data {
        var out = Data()
        out.appendLE(UInt64(header.utf8.count))
        out.append(Data(header.utf8))
        out.append(data)
        return out
    }

    private func sample() -> StateDict {
        var s = StateDict()
        s["layer.weight"] = HostTensor(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        s["layer.bias"] = HostTensor(scalarType: .float16, shape: [2], bytes: Data([0x00, 0x3C, 0x00, 0xC0]))
        s["steps"] = HostTensor(int64: [3, 1 << 40], shape: [2])
        s["mask"] = HostTensor(scalarType: .bool, shape: [3], bytes: Data([1, 0, 1]))
        s["bf"] = HostTensor(scalarType: .bfloat16, shape: [1], bytes: Data([0x80, 0x3F]))
        s["scalar"] = HostTensor(scalarType: .float64, shape: [], bytes: withUnsafeBytes(of: 2.5) { Data($0) })
        s["empty"] = HostTensor(scalarType: .int32, shape: [0, 4], bytes: Data())
        return s
    }

    func testRoundTripThroughFile() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("model.safetensors")
        let metadata = ["config": "{\"size\": 256}", "format": "pt", "unicode": "λ\n\"x\""]
        try SafeTensors.write(sample(), metadata: metadata, to: url)
        let (tensors, readMetadata) = try SafeTensors.read(url)
        XCTAssertEqual(readMetadata, metadata)
        XCTAssertEqual(Set(tensors.names), Set(sample().names))
        for (name, tensor) in sample() { XCTAssertEqual(tensors[name], tensor, name) }
        XCTAssertEqual(try Data(contentsOf: url), try SafeTensors.encode(sample(), metadata: metadata))
        // No temporary files are left next to the output.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["model.safetensors"])
    }

    func testEncodingMatchesHandAssembledFile() throws {
        var s = StateDict()
        s["b"] = HostTensor(float32: [1, 2], shape: [2])
        s["a"] = HostTensor(int64: [7], shape: [1])
        // Widest dtype first (I64 before F32), header members in data order, metadata first, padded to 8 bytes.
        let header = #"{"__metadata__":{"k":"v"},"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"#
            + #""b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#
        let padded = header + String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        var expected = Data()
        expected.appendLE(UInt64(padded.utf8.count))
        expected.append(Data(padded.utf8))
        expected.append(Data(hex: "0700000000000000 0000803f 00000040"))
        XCTAssertEqual(try SafeTensors.encode(s, metadata: ["k": "v"]), expected)
        XCTAssertEqual(padded.utf8.count % 8, 0)
    }

    func testReadsFileWrittenByReferenceImplementationAndReencodesItByteForByte() throws {
        let url = Fixtures.url("reference.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(file.metadata.count, 1)
        XCTAssertEqual(file.metadata["config"], #"{"size": 256, "note": "quote \" and \\ backslash"}"#)
        XCTAssertEqual(try file.tensor(named: "layer.weight").floats(), [0, 1, 2, 3, 4, 5].map { Float($0) / 8 })
        XCTAssertEqual(try file.tensor(named: "layer.weight").shape, [2, 3])
        XCTAssertEqual(try file.tensor(named: "layer.bias").floats(), [0.5, -1.0])
        XCTAssertEqual(try file.tensor(named: "steps"), HostTensor(int64: [3, 1 << 40], shape: [2]))
        XCTAssertEqual(try file.tensor(named: "mask").bytes, Data([1, 0]))
        XCTAssertEqual(try file.tensor(named: "bytes").bytes, Data([0, 1, 2, 3, 4]))
        XCTAssertEqual(try file.tensor(named: "scalar").shape, [])
        XCTAssertEqual(try file.tensor(named: "scalar").floats(), [2.5])
        XCTAssertEqual(try file.tensor(named: "empty").shape, [0, 2])
        XCTAssertEqual(try SafeTensors.encode(file.stateDict(), metadata: file.metadata), try Data(contentsOf: url))
    }

    func testLazyAccessByName() throws {
        let data = try SafeTensors.encode(sample())
        let file = try SafeTensorsFile(data: data)
        XCTAssertEqual(Set(file.names), Set(sample().names))
        XCTAssertEqual(file.entry(named: "layer.weight")?.shape, [2, 3])
        XCTAssertEqual(file.entry(named: "layer.weight")?.scalarType, .float32)
        XCTAssertNil(file.entry(named: "nope"))
        XCTAssertEqual(try file.tensor(named: "steps"), sample()["steps"])
        assertTensorIOError("no tensor named 'nope'") { try file.tensor(named: "nope") }
        // Entries come in data order, which starts at offset 0 and leaves no gaps.
        XCTAssertEqual(file.entries.first?.dataRange.lowerBound, 0)
    }

    func testMalformedFilesThrow() {
        let ok = #"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        XCTAssertNoThrow(try SafeTensorsFile(data: file(ok, Data(count: 8))))
        assertTensorIOError("truncated") { try SafeTensorsFile(data: Data([1, 2, 3])) }
        assertTensorIOError("runs past the end") { try SafeTensorsFile(data: Data(hex: "ff00000000000000 7b7d")) }
        assertTensorIOError("runs past the end") { try SafeTensorsFile(data: Data(hex: "ffffffffffffffff 7b7d")) }
        assertTensorIOError("malformed JSON") { try SafeTensorsFile(data: file(#"{"t": [1,}"#)) }
        assertTensorIOError("not a JSON object") { try SafeTensorsFile(data: file("[1]")) }
        assertTensorIOError("malformed JSON") { try SafeTensorsFile(data: file(#"{"a":1} x"#)) }
        assertTensorIOError("unsupported dtype 'U16'") {
            try SafeTensorsFile(data: file(#"{"t":{"dtype":"U16","shape":[1],"data_offsets":[0,2]}}"#, Data(count: 2)))
        }
        assertTensorIOError("negative dimension") {
            try SafeTensorsFile(data: file(#"{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#))
        }
        assertTensorIOError("too large") {
            try SafeTensorsFile(data: file(#"{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#))
        }
        assertTensorIOError("out of range") {
            try SafeTensorsFile(data: file(#"{"t":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,0]}}"#))
        }
        assertTensorIOError("outside the data section") {
            try SafeTensorsFile(data: file(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, Data(count: 4)))
        }
        assertTensorIOError("outside the data section") {
            try SafeTensorsFile(data: file(#"{"t":{"dtype":"F32","shape":[0],"data_offsets":[5,4]}}"#, Data(count: 8)))
        }
        assertTensorIOError("span 4 bytes") {
            try SafeTensorsFile(data: file(#"{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, Data(count: 8)))
        }
        assertTensorIOError("overlaps") {
            try SafeTensorsFile(data: file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
                                           + #""b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, Data(count: 8)))
        }
        assertTensorIOError("duplicate key") {
            try SafeTensorsFile(data: file(#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"#
                                           + #""a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}"#))
        }
        assertTensorIOError("missing \"data_offsets\"") {
            try SafeTensorsFile(data: file(#"{"t":{"dtype":"F32","shape":[0]}}"#))
        }
        assertTensorIOError("not a string") { try SafeTensorsFile(data: file(#"{"__metadata__":{"k":1}}"#)) }
        assertTensorIOError("nested deeper") {
            try SafeTensorsFile(data: file("{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"))
        }
        assertTensorIOError("not valid UTF-8") {
            var header = Data("{\"".utf8); header.append(0xFF); header.append(Data("\":1}".utf8))
            var data = Data(); data.appendLE(UInt64(header.count)); data.append(header)
            return try SafeTensorsFile(data: data)
        }
    }

    func testMissingFileNamesPath() {
        assertTensorIOError("/nonexistent/dir/x.safetensors: cannot read file") {
            try SafeTensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/dir/x.safetensors"))
        }
    }

    func testReservedNameCannotBeWritten() {
        var s = StateDict()
        s["__metadata__"] = HostTensor(float32: [1], shape: [1])
        assertTensorIOError("reserved") { try SafeTensors.encode(s) }
    }
}
