import Foundation

/// IEEE 754 binary16 ("half", safetensors `F16`): the rounding used when weights are stored at half precision.
/// Written out rather than taken from `Float16`, which Swift lacks on some hosts (macOS on Intel).
public enum HalfPrecision {
    /// The largest finite half: (2 − 2⁻¹⁰)·2¹⁵.
    public static let greatestFiniteMagnitude: Double = 65504
    /// The smallest normal half, 2⁻¹⁴; below it halves are subnormal and keep fewer significant bits.
    public static let leastNormalMagnitude: Double = 0x1p-14
    /// Half an ulp relative to the value: the largest relative error of rounding a normal value to half, 2⁻¹¹.
    public static let unitRoundoff: Double = 0x1p-11

    /// The bit pattern of the half nearest to `value`, ties to the even significand. Magnitudes from 65520 (where
    /// rounding passes 65504) give ±infinity; NaN gives a quiet NaN.
    ///
    /// Every step is exact in Double except the one rounding: scaling by a power of two, and `rounded` on a value
    /// whose integer part is the significand.
    public static func bits(nearestTo value: Double) -> UInt16 {
        let sign: UInt16 = value.sign == .minus ? 0x8000 : 0
        let magnitude = value.magnitude
        if magnitude.isNaN { return sign | 0x7e00 }
        if magnitude >= 65520 { return sign | 0x7c00 }
        if magnitude < leastNormalMagnitude {
            // Subnormal (or zero): a multiple of 2⁻²⁴; a count of 1024 is the smallest normal, whose bits are the same.
            return sign | UInt16((magnitude * 0x1p24).rounded(.toNearestOrEven))
        }
        let exponent = Int(magnitude.exponent)  // −14 … 15
        let significand = (magnitude * Double(sign: .plus, exponent: 10 - exponent, significand: 1))
            .rounded(.toNearestOrEven)  // 1024 … 2048
        // A significand rounded up to 2048 carries into the exponent field, as it should.
        return sign | ((UInt16(exponent + 15) << 10) + UInt16(significand - 1024))
    }
}
