import Foundation
import XCTest
@testable import TensorIO

final class StridedTensorTests: XCTestCase {
    private func view(_ storage: [Float], offset: Int, shape: [Int], strides: [Int]) throws -> HostTensor {
        try StridedTensor.materialize(storage: floatBytes(storage), scalarType: .float32, storageOffset: offset,
                                      shape: shape, strides: strides, swapBytes: false,
                                      fail: { TensorIOError(path: "t", $0) })
    }

    func testGathersArbitraryStrides() throws {
        let base = (0..<24).map(Float.init)  // a 4x6 matrix
        XCTAssertEqual(try view(base, offset: 8, shape: [3, 3], strides: [1, 6]).floats(), [8, 14, 20, 9, 15, 21, 10, 16, 22])
        XCTAssertEqual(try view(base, offset: 0, shape: [2, 3, 2], strides: [12, 2, 1]).floats(),
                       [0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17])
        XCTAssertEqual(try view(base, offset: 5, shape: [4], strides: [6]).floats(), [5, 11, 17, 23])
        XCTAssertEqual(try view(base, offset: 2, shape: [2, 2], strides: [0, 1]).floats(), [2, 3, 2, 3])
        XCTAssertEqual(try view(base, offset: 23, shape: [], strides: []).floats(), [23])
        XCTAssertEqual(try view(base, offset: 3, shape: [1, 1, 2], strides: [.max, .max, 1]).floats(), [3, 4])
        XCTAssertEqual(try view(base, offset: 0, shape: [3, 0], strides: [.max, .max]).shape, [3, 0])
    }

    func testRejectsViewsOutsideTheStorage() {
        let base = (0..<4).map(Float.init)
        assertTensorIOError("reaches element 4") { try view(base, offset: 0, shape: [2, 2], strides: [3, 1]) }
        assertTensorIOError("overflows") { try view(base, offset: 1, shape: [3], strides: [.max]) }
        assertTensorIOError("overflows") { try view(base, offset: .max, shape: [2], strides: [1]) }
        assertTensorIOError("too large") { try view(base, offset: 0, shape: [.max, 2], strides: [0, 0]) }
        assertTensorIOError("invalid view") { try view(base, offset: 0, shape: [2], strides: [-1]) }
        assertTensorIOError("invalid view") { try view(base, offset: 0, shape: [2], strides: [1, 1]) }
    }

    func testSwapsBigEndianElements() throws {
        let big = Data([0x3F, 0x80, 0, 0, 0x40, 0, 0, 0])  // 1.0, 2.0 big-endian
        let t = try StridedTensor.materialize(storage: big, scalarType: .float32, storageOffset: 0, shape: [2],
                                              strides: [1], swapBytes: true, fail: { TensorIOError(path: "t", $0) })
        XCTAssertEqual(t.floats(), [1, 2])
    }
}
