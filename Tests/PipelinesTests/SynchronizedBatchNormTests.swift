import Foundation
import XCTest
import Pipelines
import Torch

/// Synchronised batch norm on two ranks (threads of this process, Gloo on loopback) against libtorch's own batch
/// norm kernel over the concatenated batch in one process: outputs, input gradients, parameter gradients (summed
/// over ranks, as the gradient average × 2) and running statistics.
final class SynchronizedBatchNormTests: XCTestCase {
    func testTwoRanksNormaliseAndBackpropagateAsOneProcessWithTheWholeBatch() throws {
        try XCTSkipUnless(CollectiveBackend.gloo.isAvailable, "this build has no Gloo backend")
        Torch.manualSeed(3)
        let x = Tensor.randn([4, 3, 2, 2]) * 2 + 0.5
        let upstream = Tensor.randn([4, 3, 2, 2])
        let weight0 = Tensor.randn([3]), bias0 = Tensor.randn([3])

        // One process, libtorch's kernel.
        let xs = x.detach().requiresGrad(true)
        let w = weight0.detach().requiresGrad(true), b = bias0.detach().requiresGrad(true)
        let mean = Tensor.zeros([3]), variance = Tensor.ones([3])
        let y = Functional.batchNorm(xs, weight: w, bias: b, runningMean: mean, runningVar: variance, training: true,
                                     momentum: 0.1, eps: 1e-5)
        (y * upstream).sum().backward()

        let port = try LocalLauncher.freeLoopbackPort()
        let outcome = RankOutcomes()
        let done = DispatchGroup()
        for rank in 0..<2 {
            done.enter()
            let part = x.narrow(dim: 0, start: 2 * rank, length: 2).detach().requiresGrad(true)
            let grad = upstream.narrow(dim: 0, start: 2 * rank, length: 2)
            let wr = weight0.detach().clone().requiresGrad(true), br = bias0.detach().clone().requiresGrad(true)
            let rm = Tensor.zeros([3]), rv = Tensor.ones([3])
            Thread {
                do {
                    let store = try DistributedStore(host: "127.0.0.1", port: port, worldSize: 2, isServer: rank == 0, timeout: 20)
                    let group = try ProcessGroup(store: store, backend: .gloo, rank: rank, size: 2, timeout: 20)
                    let yr = SynchronizedBatchNorm.normalize(part, weight: wr, bias: br, runningMean: rm, runningVar: rv,
                                                             momentum: 0.1, eps: 1e-5, group: group)
                    (yr * grad).sum().backward()
                    outcome.set(rank, [yr.floats(), part.grad!.floats(), wr.grad!.floats(), br.grad!.floats(),
                                       rm.floats(), rv.floats()])
                } catch {
                    outcome.fail(rank, "\(error)")
                }
                done.leave()
            }.start()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        let ranks = try outcome.results()
        func close(_ a: [Float], _ b: [Float], _ what: String) {
            XCTAssertEqual(a.count, b.count, what)
            let gap = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(gap, 2e-5, what)
        }
        close(ranks[0][0] + ranks[1][0], y.floats(), "outputs")
        close(ranks[0][1] + ranks[1][1], xs.grad!.floats(), "input gradients")
        close(zip(ranks[0][2], ranks[1][2]).map { $0 + $1 }, w.grad!.floats(), "weight gradient summed over ranks")
        close(zip(ranks[0][3], ranks[1][3]).map { $0 + $1 }, b.grad!.floats(), "bias gradient summed over ranks")
        for r in ranks {
            close(r[4], mean.floats(), "running mean")
            close(r[5], variance.floats(), "running variance")
        }
    }
}

private final class RankOutcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[[Float]]?] = [nil, nil]
    private var errors: [String] = []
    func set(_ rank: Int, _ v: [[Float]]) { lock.lock(); values[rank] = v; lock.unlock() }
    func fail(_ rank: Int, _ e: String) { lock.lock(); errors.append("rank \(rank): \(e)"); lock.unlock() }
    func results() throws -> [[[Float]]] {
        lock.lock(); defer { lock.unlock() }
        if let e = errors.first { throw DistributedError(e) }
        return values.map { $0 ?? [] }
    }
}
