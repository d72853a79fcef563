import Torch

/// Which of `count` items come next: a libtorch permutation per epoch (so the seeded generator decides it), read in
/// order, a new permutation drawn when one runs out. Its position is what a checkpoint stores to resume with the very
/// items the uninterrupted run would have drawn.
struct EpochOrder {
    let count: Int
    private(set) var order: [Int64] = []
    private(set) var index = 0
    private(set) var epoch: Int64 = 0

    init(count: Int) { self.count = count }

    /// The next `n` items (0..<count).
    mutating func next(_ n: Int) -> [Int64] {
        var picked: [Int64] = []
        while picked.count < n {
            if index >= order.count {
                order = Tensor.randperm(count).int64s()
                index = 0
                epoch += 1
            }
            picked.append(order[index])
            index += 1
        }
        return picked
    }

    var position: [String: [Int64]] { ["order": order, "index": [Int64(index)], "epoch": [epoch]] }

    /// The order at a stored position; nil when the position does not fit `count` items.
    func restored(_ position: [String: [Int64]]) -> EpochOrder? {
        guard let o = position["order"], let i = position["index"]?.first, let e = position["epoch"]?.first,
              o.allSatisfy({ $0 >= 0 && $0 < Int64(count) }), i >= 0, i <= Int64(o.count) else { return nil }
        var restored = EpochOrder(count: count)
        (restored.order, restored.index, restored.epoch) = (o, Int(i), e)
        return restored
    }
}
