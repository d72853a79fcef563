import Foundation
import XCTest
@testable import TensorIO

/// `HalfPrecision.bits(nearestTo:)` and `HostTensor.storingFloats(as:)` against the definition of rounding to
/// nearest, ties to even: the result is a half no farther from the value than either neighbour, and on a tie the
/// one with the even significand.
final class HalfPrecisionTests: XCTestCase {
    /// Every finite half, by bit pattern (both zeros, subnormals, normals up to ±65504).
    let finiteHalves: [UInt16] = (0...UInt16.max).filter { ($0 >> 10) & 0x1f != 0x1f }

    func testEveryHalfComesBackExact() {
        for h in finiteHalves {
            let value = Double(Float(halfBits: h))
            XCTAssertEqual(HalfPrecision.bits(nearestTo: value), h, "\(value)")
        }
    }

    func testRandomValuesRoundToTheNearestHalfWithinTheUnitRoundoff() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            // Magnitudes from 2⁻²⁶ (below the subnormals) to 65504, signs both ways.
            let magnitude = exp2(Double.random(in: -26...log2(65504), using: &generator))
            let x = Bool.random(using: &generator) ? magnitude : -magnitude
            let h = HalfPrecision.bits(nearestTo: x)
            let r = Double(Float(halfBits: h))
            XCTAssertEqual(r.sign == .minus, x < 0, "\(x)")
            // No farther than the halves either side of the result (a neighbour of 0 or 65504 may not exist).
            for neighbour in [h & 0x7fff == 0 ? nil : h - 1, h & 0x7fff == 0x7bff ? nil : h + 1].compactMap({ $0 }) {
                XCTAssertLessThanOrEqual(abs(x - r), abs(x - Double(Float(halfBits: neighbour))), "\(x) → \(r)")
            }
            if magnitude >= HalfPrecision.leastNormalMagnitude {
                XCTAssertLessThanOrEqual(abs(x - r) / magnitude, HalfPrecision.unitRoundoff, "\(x) → \(r)")
            } else {
                XCTAssertLessThanOrEqual(abs(x - r), 0x1p-25, "\(x) → \(r): half the subnormal spacing")
            }
        }
    }

    func testTiesGoToTheEvenSignificand() {
        // The midpoint of each pair of neighbouring positive halves (exact in Double) goes to the even pattern.
        for h in finiteHalves where h < 0x7bff {
            let midpoint = (Double(Float(halfBits: h)) + Double(Float(halfBits: h + 1))) / 2
            XCTAssertEqual(HalfPrecision.bits(nearestTo: midpoint), h % 2 == 0 ? h : h + 1, "\(midpoint)")
            XCTAssertEqual(HalfPrecision.bits(nearestTo: -midpoint), 0x8000 | (h % 2 == 0 ? h : h + 1), "\(-midpoint)")
        }
        // Named cases: below the smallest subnormal 2⁻²⁴, and the top of the range.
        XCTAssertEqual(HalfPrecision.bits(nearestTo: 0x1p-25), 0)          // tie between 0 and 2⁻²⁴: 0
        XCTAssertEqual(HalfPrecision.bits(nearestTo: 0x1.0001p-25), 1)     // just above the tie
        XCTAssertEqual(HalfPrecision.bits(nearestTo: 3 * 0x1p-25), 2)      // tie between 2⁻²⁴ and 2⁻²³: the even one
        XCTAssertEqual(HalfPrecision.bits(nearestTo: 65504), 0x7bff)
        XCTAssertEqual(HalfPrecision.bits(nearestTo: 65519.99), 0x7bff)
        XCTAssertEqual(HalfPrecision.bits(nearestTo: 65520), 0x7c00)       // the tie with 2¹⁶ goes to infinity
        XCTAssertEqual(HalfPrecision.bits(nearestTo: -.infinity), 0xfc00)
        XCTAssertEqual(HalfPrecision.bits(nearestTo: -0.0), 0x8000)
        XCTAssertTrue(Float(halfBits: HalfPrecision.bits(nearestTo: .nan)).isNaN)
    }

    func testTensorsAreStoredElementByElement() throws {
        let values: [Float] = [0, -0.0, 1, -2.5, 0.1, 65504, 1e-8, 3.14159265, -1234.567]
        let t = HostTensor(float32: values, shape: [3, 3])
        let half = try t.storingFloats(as: .float16, label: "tensor 'w'", path: "m.safetensors")
        XCTAssertEqual(half.scalarType, .float16)
        XCTAssertEqual(half.shape, [3, 3])
        XCTAssertEqual(half.floats(), values.map { Float(halfBits: HalfPrecision.bits(nearestTo: Double($0))) })
        // Back to float32: the float16 values exactly; float32 to float32 is the same tensor.
        XCTAssertEqual(try half.storingFloats(as: .float32, label: "w", path: "m").floats(), half.floats())
        XCTAssertEqual(try t.storingFloats(as: .float32, label: "w", path: "m"), t)
        // Integer tensors are kept as they are.
        let steps = HostTensor(int64: [3, 1 << 40], shape: [2])
        XCTAssertEqual(try steps.storingFloats(as: .float16, label: "n", path: "m"), steps)
    }

    func testFloat64IsRoundedOnceNotThroughFloat32() throws {
        // 1 + 2⁻¹¹ + 2⁻⁴⁰ is just above the midpoint of 1 and 1 + 2⁻¹⁰; through float32 it would become the midpoint
        // itself (2⁻⁴⁰ is lost) and then round to 1.
        let x = 1 + 0x1p-11 + 0x1p-40
        let t = HostTensor(scalarType: .float64, shape: [1], bytes: withUnsafeBytes(of: x) { Data($0) })
        XCTAssertEqual(try t.storingFloats(as: .float16, label: "x", path: "m").floats(), [1 + 0x1p-10])
        XCTAssertEqual(try t.storingFloats(as: .float32, label: "x", path: "m").floats(), [Float(x)])
    }

    func testValuesFloat16CannotHoldAreRefusedNamingTheTensor() {
        for (value, shown) in [(Float(65505), "65505.0"), (-70000, "-70000.0"), (.nan, "NaN"), (.infinity, "+infinity")] {
            let t = HostTensor(float32: [1, 2, value], shape: [3])
            XCTAssertThrowsError(try t.storingFloats(as: .float16, label: "tensor 'decoder.x'", path: "in.safetensors")) {
                let message = "\($0)"
                XCTAssertTrue(message.hasPrefix("in.safetensors: tensor 'decoder.x' holds \(shown) at element 2"), message)
                XCTAssertTrue(message.hasSuffix(value.isFinite ? "beyond float16's ±65504: cannot store it as float16" : ": cannot store it as float16"), message)
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
    }
}
