import XCTest
@testable import Torch

/// Asserts two float arrays agree elementwise within an absolute + relative tolerance.
func assertClose(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-4,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "length", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where Swift.abs(x - y) > atol + rtol * Swift.abs(y) {
        XCTFail("element \(i): \(x) vs \(y)", file: file, line: line)
        return
    }
}

func assertClose(_ a: [Double], _ b: [Double], atol: Double = 1e-9, rtol: Double = 1e-7,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "length", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where Swift.abs(x - y) > atol + rtol * Swift.abs(y) {
        XCTFail("element \(i): \(x) vs \(y)", file: file, line: line)
        return
    }
}

/// A small deterministic pseudo-random source independent of libtorch (for building reference inputs).
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
    mutating func floats(_ n: Int) -> [Float] { (0..<n).map { _ in uniform() } }
}
