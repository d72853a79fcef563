import Torch

/// Re-estimating batch-norm running statistics for a network's final weights ("precise BN"; what
/// `torch.optim.swa_utils.update_bn` does): every tracking norm's statistics are reset and set to a cumulative
/// average (momentum nil), the network makes training-mode passes over a fixed set of inputs, then each norm gets its
/// momentum back and the network its mode.
///
/// Why: during training the running statistics are an exponential average over batches seen with older weights
/// (and, in HFGI, over warped inputs that inference never sees), so evaluation can normalise with statistics that
/// no longer fit the network; re-estimating them with the final weights on inference-like inputs removes that gap.
public enum BatchNormStatistics {
    /// The batch norms under `modules` that keep running statistics, in registration order.
    public static func norms(of modules: [Module]) -> [BatchNorm] {
        modules.flatMap { $0.modules() }.compactMap { $0 as? BatchNorm }.filter(\.tracksRunningStats)
    }

    /// Re-estimates the running statistics of every tracking batch norm under `modules` (in training mode meanwhile)
    /// from the passes `run` makes (each call of the network inside it is one batch); returns the number of norms
    /// re-estimated. Gradients are off during the passes. Weights are not touched; other modules the passes run
    /// keep their mode and statistics.
    @discardableResult
    public static func reestimate(_ modules: [Module], passes run: () throws -> Void) rethrows -> Int {
        let list = norms(of: modules)
        let momenta = list.map(\.momentum)
        let wasTraining = modules.map(\.isTraining)
        withNoGrad {
            for n in list {
                n.runningMean!.zero_()
                n.runningVar!.fill_(1)
                n.numBatchesTracked!.zero_()
                n.momentum = nil
            }
        }
        defer {
            for (n, m) in zip(list, momenta) { n.momentum = m }
            for (module, mode) in zip(modules, wasTraining) { module.train(mode) }
        }
        for module in modules { module.train() }
        try withNoGrad { try run() }
        return list.count
    }

    /// Copies of every running-statistics buffer under `modules`, to put back with `restore` (e.g. around an export
    /// that must leave the training state as it was).
    public static func snapshot(_ modules: [Module]) -> [Tensor] {
        norms(of: modules).flatMap { [$0.runningMean!.clone(), $0.runningVar!.clone(), $0.numBatchesTracked!.clone()] }
    }

    /// Puts back what `snapshot` copied (same modules, same norms).
    public static func restore(_ modules: [Module], _ saved: [Tensor]) {
        let list = norms(of: modules)
        precondition(saved.count == 3 * list.count, "BatchNormStatistics.restore: the snapshot is of another module")
        withNoGrad {
            for (i, n) in list.enumerated() {
                n.runningMean!.copy_(saved[3 * i])
                n.runningVar!.copy_(saved[3 * i + 1])
                n.numBatchesTracked!.copy_(saved[3 * i + 2])
            }
        }
    }
}
