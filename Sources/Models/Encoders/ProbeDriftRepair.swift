import NN
import Torch

/// Takes back what the shape probe of `GradStyleModel.makeConfig` did to a frozen encoder before it was fixed: one
/// training-mode pass of an all-zero image, which moved every batch norm's running statistics one momentum step
/// towards that image's batch statistics (running ← (1 − m)·running + m·s). In training mode batch norm normalises
/// with the batch's own statistics, so s depends only on the weights and can be recomputed: the probe is replayed
/// with every running statistic set to 0, which leaves exactly m·s in it, and each step is undone as
/// running ← (running − m·s) / (1 − m). Weights are not touched (the probe never changed them).
public enum ProbeDriftRepair {
    /// Undoes `steps` probe passes on `encoder` (in place). Throws for batch norms with a cumulative average
    /// (momentum nil), which a probe step cannot be separated from.
    public static func undo(_ encoder: any StyleEncoder, steps: Int = 1) throws {
        let norms = BatchNormStatistics.norms(of: [encoder as Module])
        guard norms.allSatisfy({ $0.momentum != nil }) else {
            throw ModelError("a batch norm of the encoder uses a cumulative average (momentum nil): its probe step cannot be undone")
        }
        let saved = norms.map { ($0.runningMean!.clone(), $0.runningVar!.clone(), $0.numBatchesTracked!.clone()) }
        let module = encoder as Module
        let wasTraining = module.isTraining
        withNoGrad {
            for n in norms { n.runningMean!.zero_(); n.runningVar!.zero_() }
            module.train()
            _ = encoder.encode(Tensor.zeros([1, 3, encoder.inputSize, encoder.inputSize], device: norms.first?.runningMean!.device ?? .cpu))
            module.train(wasTraining)
            for (n, (mean, variance, count)) in zip(norms, saved) {
                let m = n.momentum!
                var (restoredMean, restoredVar) = (mean, variance)
                for _ in 0..<steps {
                    restoredMean = (restoredMean - n.runningMean!) / (1 - m)
                    restoredVar = (restoredVar - n.runningVar!) / (1 - m)
                }
                n.runningMean!.copy_(restoredMean)
                n.runningVar!.copy_(restoredVar)
                n.numBatchesTracked!.copy_(count - Double(steps))
            }
        }
    }
}
