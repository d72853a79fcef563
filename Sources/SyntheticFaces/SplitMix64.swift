import Foundation

/// The synthetic domain's own seeded generator: SplitMix64 (a 64-bit counter through a bijective mixer).
/// Everything the face sampler draws comes from here, never from libtorch's global generator or the system
/// generator, so a seed gives the same faces on every machine, in every thread, in every process.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// An independent stream for one (seed, index, purpose): image `i` of a dataset draws from its own stream, so
    /// it is the same whether 10 or 10,000 images are rendered, in whatever order or thread.
    public init(seed: UInt64, stream: UInt64, purpose: UInt64 = 0) {
        var s = SplitMix64.mix(seed ^ 0x6A09_E667_F3BC_C909)
        s = SplitMix64.mix(s ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        s = SplitMix64.mix(s ^ (purpose &* 0xBF58_476D_1CE4_E5B9 &+ 0x94D0_49BB_1331_11EB))
        state = s
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// SplitMix64's finaliser (a bijection on 64-bit words).
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// Uniform integer in `range` (Lemire-free modulo reduction is fine for these tiny ranges; bias < 2^-50).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next() % span)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// A standard normal draw (Box–Muller; one value per call, the partner discarded to keep streams simple).
    public mutating func normal() -> Double {
        let u1 = max(unit(), 0x1p-60), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// One element of a non-empty array, uniformly.
    public mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

    /// An index drawn with the given (non-negative, not all zero) weights.
    public mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var r = unit() * total
        for (i, w) in weights.enumerated() {
            if r < w { return i }
            r -= w
        }
        return weights.count - 1
    }
}

/// A stateless hash of integer coordinates to [0, 1): per-streak and per-cell variation in patterns, without
/// storing anything per pixel.
@inline(__always)
func hashUnit(_ a: Int, _ b: Int, _ salt: UInt64) -> Float {
    let h = SplitMix64.mix(salt ^ (UInt64(bitPattern: Int64(a)) &* 0x9E37_79B9_7F4A_7C15)
                           ^ (UInt64(bitPattern: Int64(b)) &* 0xC2B2_AE3D_27D4_EB4F))
    return Float(h >> 40) * 0x1p-24
}
