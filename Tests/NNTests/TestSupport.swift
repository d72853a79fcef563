import XCTest
import Torch
@testable import NN

/// Asserts two arrays agree elementwise within |a − b| ≤ atol + rtol·|b|.
func assertClose(_ a: [Double], _ b: [Double], atol: Double = 1e-5, rtol: Double = 1e-4, _ what: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(what): length", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where !(Swift.abs(x - y) <= atol + rtol * Swift.abs(y)) {
        XCTFail("\(what): element \(i): \(x) vs expected \(y)", file: file, line: line)
        return
    }
}

/// A small deterministic pseudo-random source independent of libtorch, for building reference inputs.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1), exactly representable in float32 (24-bit mantissa).
    mutating func uniform() -> Double { Double(next() >> 40) / Double(1 << 24) * 2 - 1 }
    mutating func values(_ n: Int) -> [Double] { (0..<n).map { _ in uniform() } }
}

/// A tensor of `dtype` holding `values` (exactly, for float32-representable values).
func makeTensor(_ values: [Double], _ shape: [Int], dtype: DType = .float32) -> Tensor {
    Tensor(values, shape: shape).to(dtype)
}

/// Overwrites a (parameter) tensor's values in place.
func assign(_ t: Tensor, _ values: [Double]) {
    withNoGrad { t.copy_(Tensor(values, shape: t.shape)) }
}

/// Row-major flat index.
func flatIndex(_ index: [Int], _ shape: [Int]) -> Int {
    var i = 0
    for (k, s) in zip(index, shape) { i = i * s + k }
    return i
}

/// Per-channel mean and biased / unbiased variance over N, H, W of NCHW values.
func channelStats(_ x: [Double], _ shape: [Int]) -> (mean: [Double], biased: [Double], unbiased: [Double]) {
    let (n, c, hw) = (shape[0], shape[1], shape[2] * shape[3])
    let m = Double(n * hw)
    var mean = [Double](repeating: 0, count: c), biased = mean, unbiased = mean
    for ch in 0..<c {
        var vals: [Double] = []
        for b in 0..<n { for k in 0..<hw { vals.append(x[(b * c + ch) * hw + k]) } }
        let mu = vals.reduce(0, +) / m
        let ss = vals.reduce(0) { $0 + ($1 - mu) * ($1 - mu) }
        mean[ch] = mu
        biased[ch] = ss / m
        unbiased[ch] = ss / (m - 1)
    }
    return (mean, biased, unbiased)
}
