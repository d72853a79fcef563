import NN
import Torch
import XCTest

/// `BatchNormStatistics.reestimate` against the direct formula (the cumulative average of per-batch statistics,
/// torch's `update_bn`), and what it must leave alone.
final class BatchNormStatisticsTests: XCTestCase {
    func testReestimateIsTheAverageOfBatchStatisticsAndRestoresMomentumAndMode() {
        var rng = SplitMix64(seed: 11)
        let shape = [3, 2, 2, 2]
        let bn = BatchNorm2d(2, momentum: 0.1)
        let net = Sequential(bn).eval()
        // Stale statistics from "training": they must not survive the re-estimate.
        withNoGrad { bn.runningMean!.fill_(5); bn.runningVar!.fill_(7); bn.numBatchesTracked!.fill_(40) }
        let batches = (0..<4).map { _ in rng.values(24) }
        let count = BatchNormStatistics.reestimate([net]) {
            for b in batches { _ = net(makeTensor(b, shape)) }
        }
        XCTAssertEqual(count, 1)
        var mean = [0.0, 0.0], variance = [0.0, 0.0]
        for b in batches {
            let s = channelStats(b, shape)
            for c in 0..<2 { mean[c] += s.mean[c] / 4; variance[c] += s.unbiased[c] / 4 }
        }
        assertClose(bn.runningMean!.doubles(), mean, "re-estimated mean")
        assertClose(bn.runningVar!.doubles(), variance, "re-estimated variance")
        XCTAssertEqual(bn.numBatchesTracked!.int64s(), [4])
        XCTAssertEqual(bn.momentum, 0.1, "momentum restored")
        XCTAssertFalse(net.isTraining, "mode restored")
        XCTAssertFalse(bn.weight!.requiresGrad && bn.weight!.grad != nil, "no gradients from the passes")
    }

    func testSnapshotRestoresTheTrainingStatistics() {
        let bn = BatchNorm2d(3)
        let net = Sequential(Conv2d(2, 3, kernelSize: 1), bn)
        withNoGrad { bn.runningMean!.fill_(0.25); bn.runningVar!.fill_(2); bn.numBatchesTracked!.fill_(9) }
        let saved = BatchNormStatistics.snapshot([net])
        BatchNormStatistics.reestimate([net]) { _ = net(Tensor.randn([4, 2, 3, 3])) }
        XCTAssertNotEqual(bn.runningMean!.doubles(), [0.25, 0.25, 0.25])
        BatchNormStatistics.restore([net], saved)
        XCTAssertEqual(bn.runningMean!.doubles(), [0.25, 0.25, 0.25])
        XCTAssertEqual(bn.runningVar!.doubles(), [2, 2, 2])
        XCTAssertEqual(bn.numBatchesTracked!.int64s(), [9])
    }
}
