import Foundation
import NN
import Pipelines
import Torch

/// Test-only driver for the data-parallel tests: a 12→8→BatchNorm→2 MLP regressing tanh(x·T) on 32 fixed 3×2×2 "images",
/// trained with Adam on batches drawn by a `TensorBatchSource` — through `DataParallel` when given one (the training
/// loop's seam: rank share of the global batch, rank 0's initial weights broadcast, gradients averaged before the
/// optimiser step), else in one process.
enum DistributedTinyTraining {
    static let steps = 6
    static let batchOrderSeed: UInt64 = 11

    /// The final parameters and batch-norm buffers (running statistics, batch count), flattened in order.
    /// `afterStep` runs after each optimiser step (fault injection).
    static func train(batch: Int, parallel: DataParallel?, afterStep: (Int) -> Void = { _ in }) throws -> [Float] {
        Torch.manualSeed(7)
        let images = Tensor.randn([32, 3, 2, 2])
        let truth = Tensor.randn([12, 2])
        // Each rank starts from different weights on purpose: the broadcast from rank 0 must make them equal.
        Torch.manualSeed(100 + UInt64(parallel?.rank ?? 0))
        // No bias before batch norm: its true gradient is 0, and Adam would turn rounding noise into full steps.
        let first = Linear(12, 8, bias: false), norm = BatchNorm1d(8), second = Linear(8, 2)
        let parameters = first.parameters() + norm.parameters() + second.parameters()
        let buffers = norm.buffers()
        try parallel?.broadcastFromRankZero(parameters + buffers)
        Torch.manualSeed(batchOrderSeed)
        let source = TensorBatchSource(images: images)
        let split: DataParallelism = parallel ?? SingleProcess()
        let adam = Adam(parameters, learningRate: 0.01)
        for step in 0..<steps {
            // The loop's seam (a): every rank draws the global batch, then keeps its rows.
            let x = split.localPart(of: try source.nextBatch(batch * split.worldSize)).reshape([batch, 12])
            let target = x.matmul(truth).tanh()
            let error = second(norm(first(x)).tanh()) - target
            let loss = (error * error).mean()
            adam.zeroGrad()
            loss.backward()
            try split.step(adam)
            afterStep(step)
        }
        return (parameters + buffers).flatMap { $0.floats() }
    }
}
