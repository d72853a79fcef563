import Foundation
import XCTest
@testable import TensorIO

final class NPYTests: XCTestCase {
    func testReadsFilesWrittenByNumpy() throws {
        let f32 = try NPY.read(Fixtures.url("npy_f32.npy"))
        XCTAssertEqual(f32.scalarType, .float32)
        XCTAssertEqual(f32.shape, [2, 3])
        XCTAssertEqual(f32.floats(), [0, 0.25, 0.5, 0.75, 1, 1.25])

        let scalar = try NPY.read(Fixtures.url("npy_i64_scalar.npy"))
        XCTAssertEqual(scalar, HostTensor(int64: [-7], shape: []))

        let bools = try NPY.read(Fixtures.url("npy_bool.npy"))
        XCTAssertEqual(bools.scalarType, .bool)
        XCTAssertEqual(bools.bytes, Data([1, 0, 1]))

        let f16 = try NPY.read(Fixtures.url("npy_f16.npy"))
        XCTAssertEqual(f16.scalarType, .float16)
        XCTAssertEqual(f16.floats(), [-1, -0.5, 0, 0.5, 1])

        let u8 = try NPY.read(Fixtures.url("npy_u8_3d.npy"))
        XCTAssertEqual(u8.shape, [2, 2, 2])
        XCTAssertEqual(u8.bytes, Data(0..<8))

        let empty = try NPY.read(Fixtures.url("npy_f64_empty.npy"))
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(empty.scalarType, .float64)

        let v2 = try NPY.read(Fixtures.url("npy_v2.npy"))
        XCTAssertEqual(v2.scalarType, .int32)
        XCTAssertEqual(v2.floats(), [0, 1, 2, 3])
    }

    func testEncodingIsByteIdenticalToNumpy() throws {
        for name in ["npy_f32", "npy_i64_scalar", "npy_bool", "npy_f16", "npy_u8_3d", "npy_f64_empty"] {
            let original = try Fixtures.data("\(name).npy")
            XCTAssertEqual(try NPY.encode(NPY.decode(original)), original, name)
        }
    }

    func testHeaderMatchesHandWrittenOne() throws {
        let tensor = HostTensor(float32: [1, 2, 3], shape: [3])
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
        dict += String(repeating: " ", count: 20)  // numpy's room to grow the first axis: 21 digits minus "3"
        let unpadded = 10 + dict.count + 1
        let header = dict + String(repeating: " ", count: 64 - unpadded % 64) + "\n"
        var expected = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        expected.appendLE(UInt16(header.utf8.count))
        expected.append(Data(header.utf8))
        expected.append(floatBytes([1, 2, 3]))
        XCTAssertEqual(try NPY.encode(tensor), expected)
        XCTAssertEqual((expected.count - 12) % 64, 0)
    }

    func testRoundTripThroughFile() throws {
        let dir = try temporaryDirectory(self)
        let tensors = [
            HostTensor(float32: [1, -2, 3.5, 0, 7, 8], shape: [3, 2]),
            HostTensor(int64: [1, -1], shape: [2, 1, 1]),
            HostTensor(scalarType: .int8, shape: [2], bytes: Data([0x80, 0x7F])),
            HostTensor(scalarType: .int16, shape: [], bytes: Data([1, 2])),
            HostTensor(scalarType: .float64, shape: [0], bytes: Data()),
        ]
        for (i, tensor) in tensors.enumerated() {
            let url = dir.appendingPathComponent("t\(i).npy")
            try NPY.write(tensor, to: url)
            XCTAssertEqual(try NPY.read(url), tensor)
        }
    }

    func testLongHeaderUsesVersion2() throws {
        let shape = [Int](repeating: 1, count: 30_000)
        let tensor = HostTensor(scalarType: .uint8, shape: shape, bytes: Data([9]))
        let data = try NPY.encode(tensor)
        XCTAssertEqual(data[6], 2)
        XCTAssertEqual(try NPY.decode(data), tensor)
    }

    func testBFloat16CannotBeWritten() {
        assertTensorIOError("no .npy dtype") {
            try NPY.encode(HostTensor(scalarType: .bfloat16, shape: [1], bytes: Data([0, 0])))
        }
    }

    private func npy(_ header: String, major: UInt8 = 1, data: Data = Data()) -> Data {
        var out = Data([0x93] + Array("NUMPY".utf8) + [major, 0])
        if major == 1 { out.appendLE(UInt16(header.utf8.count)) } else { out.appendLE(UInt32(header.utf8.count)) }
        out.append(Data(header.utf8))
        out.append(data)
        return out
    }

    func testMalformedFilesThrow() throws {
        assertTensorIOError("Fortran-ordered") { try NPY.read(Fixtures.url("npy_fortran.npy")) }
        assertTensorIOError("big-endian") { try NPY.read(Fixtures.url("npy_bigendian.npy")) }
        assertTensorIOError("bad magic") { try NPY.decode(Data("PK\u{3}\u{4}abcdefgh".utf8)) }
        assertTensorIOError("truncated") { try NPY.decode(Data([0x93, 0x4E])) }
        assertTensorIOError("unsupported .npy version 4.0") { try NPY.decode(npy("{}", major: 4)) }
        var long = npy("{}")
        long[8] = 0xFF; long[9] = 0xFF
        assertTensorIOError("runs past the end") { try NPY.decode(long) }
        let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
        XCTAssertNoThrow(try NPY.decode(npy(good, data: Data(count: 8))))
        XCTAssertNoThrow(try NPY.decode(npy(good, major: 3, data: Data(count: 8))))
        assertTensorIOError("truncated data") { try NPY.decode(npy(good, data: Data(count: 7))) }
        assertTensorIOError("unexpected bytes") { try NPY.decode(npy(good, data: Data(count: 9))) }
        assertTensorIOError("unsupported dtype '<u2'") {
            try NPY.decode(npy("{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }", data: Data(count: 2)))
        }
        assertTensorIOError("structured dtypes") {
            try NPY.decode(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"))
        }
        assertTensorIOError("invalid dimension") {
            try NPY.decode(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"))
        }
        assertTensorIOError("too large") {
            try NPY.decode(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 8), }"))
        }
        assertTensorIOError("header keys") { try NPY.decode(npy("{'descr': '<f4', 'shape': (1,)}")) }
        assertTensorIOError("unexpected name '__import__'") {
            try NPY.decode(npy("{'descr': __import__('os').system('true'), 'fortran_order': False, 'shape': ()}"))
        }
        assertTensorIOError("malformed header") { try NPY.decode(npy("{'descr': '<f4', ")) }
        assertTensorIOError("malformed header") {
            try NPY.decode(npy(String(repeating: "(", count: 100) + String(repeating: ")", count: 100)))
        }
    }

    func testScalarShapeIsAccepted() throws {
        let t = try NPY.decode(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                                   data: withUnsafeBytes(of: 1.5) { Data($0) }))
        XCTAssertEqual(t.shape, [])
        XCTAssertEqual(t.floats(), [1.5])
    }
}
