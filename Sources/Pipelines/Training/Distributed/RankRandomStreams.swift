import Torch

/// The random streams of one rank. libtorch has one default CPU generator per process; in a data-parallel job the
/// job seeds it identically on every rank (the shared stream: batch order and anything drawn for the global batch, so
/// step k sees what one process with the global batch would). Randomness that is by nature per process (dropout,
/// a rank's own augmentation) runs inside `withRankStream`, which swaps in a generator state seeded from
/// (seed, rank) and swaps the shared one back afterwards. Both streams are saved in checkpoints by `state`.
public final class RankRandomStreams {
    public let seed: UInt64
    public let rank: Int
    private var rankState: [UInt8]

    /// Derives this rank's stream from the run's `seed`. The shared stream is left exactly where it is (the job
    /// seeded it, and may already have drawn from it, the same way on every rank).
    public init(seed: UInt64, rank: Int) {
        self.seed = seed
        self.rank = rank
        let shared = Torch.cpuRNGState
        Torch.manualSeed(Self.rankSeed(seed: seed, rank: rank))
        rankState = Torch.cpuRNGState
        Torch.cpuRNGState = shared
    }

    /// A seed per (seed, rank), far from seed + k for small k (SplitMix64's finaliser), so no rank's stream
    /// replays another run's shared stream.
    public static func rankSeed(seed: UInt64, rank: Int) -> UInt64 {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(rank + 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Runs `body` with this rank's own stream as libtorch's default CPU generator.
    public func withRankStream<T>(_ body: () throws -> T) rethrows -> T {
        let shared = Torch.cpuRNGState
        Torch.cpuRNGState = rankState
        defer {
            rankState = Torch.cpuRNGState
            Torch.cpuRNGState = shared
        }
        return try body()
    }

    /// Both generator states, for a checkpoint: exact resume on every rank.
    public var state: (shared: [UInt8], rank: [UInt8]) { (Torch.cpuRNGState, rankState) }

    public func restore(shared: [UInt8], rank: [UInt8]) {
        Torch.cpuRNGState = shared
        rankState = rank
    }
}
