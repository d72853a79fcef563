/// The most memory a job may gather in one place (a grid, a held-out set, sampled codes): an absurd count must fail
/// at the start, naming the largest that fits, rather than run for hours and then run out of memory.
public enum InMemoryLimit {
    public static let bytes = 4 << 30
}
