import Foundation
import TensorIO
import Torch
import XCTest

func fixture(_ name: String) -> URL {
    Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!
}

func loadNPY(_ name: String) throws -> Tensor { Tensor(try NPY.read(fixture(name))) }

func maxAbsDiff(_ a: Tensor, _ b: Tensor) -> Float {
    Float((a - b).abs().max().item())
}

func assertClose(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-4,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "length", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where Swift.abs(x - y) > atol + rtol * Swift.abs(y) {
        XCTFail("element \(i): \(x) vs \(y)", file: file, line: line)
        return
    }
}

struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func floats(_ n: Int) -> [Float] { (0..<n).map { _ in Float(next() >> 40) / Float(1 << 24) * 2 - 1 } }
}
