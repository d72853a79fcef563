import XCTest
import Torch
@testable import NN

final class EMATests: XCTestCase {
    private func makeNet() -> Sequential { Sequential(Linear(3, 4), BatchNorm1d(4), Linear(4, 2)) }

    func testStartsAsCopyThenFollowsTheFormula() throws {
        Torch.manualSeed(1)
        let source = makeNet()
        let ema = try EMA(makeNet(), source: source)
        for ((_, a), (_, s)) in zip(ema.model.stateDict(), source.stateDict()) {
            XCTAssertEqual(a.doubles(), s.doubles())
        }
        XCTAssertTrue(ema.model.parameters().allSatisfy { !$0.requiresGrad })
        XCTAssertFalse(ema.model.isTraining)

        let averageBefore = ema.model.namedParameters().map { ($0.name, $0.tensor.doubles()) }
        // Change the source: new weights and running statistics (one training batch).
        withNoGrad { for p in source.parameters() { p.add_(Tensor.randn(p.shape)) } }
        _ = source(Tensor.randn([5, 3]))
        ema.update(from: source, decay: 0.9)

        let sourceNow = Dictionary(uniqueKeysWithValues: source.namedParameters().map { ($0.name, $0.tensor.doubles()) })
        for ((name, old), (_, avg)) in zip(averageBefore, ema.model.namedParameters()) {
            let expected = zip(old, sourceNow[name]!).map { 0.9 * $0 + 0.1 * $1 }
            assertClose(avg.doubles(), expected, atol: 1e-6, rtol: 1e-6, name)
        }
        // Buffers are copied as they are.
        for ((name, avg), (_, src)) in zip(ema.model.namedBuffers(), source.namedBuffers()) {
            XCTAssertEqual(avg.doubles(), src.doubles(), name)
        }
        XCTAssertEqual(ema.model.tensor(at: "1.num_batches_tracked")!.int64s(), [1])

        // decay 1 keeps the average.
        let kept = ema.model.parameters().map { $0.doubles() }
        withNoGrad { for p in source.parameters() { p.add_(1) } }
        ema.update(from: source, decay: 1)
        XCTAssertEqual(ema.model.parameters().map { $0.doubles() }, kept)
    }

    func testRejectsDifferentArchitecture() {
        XCTAssertThrowsError(try EMA(Sequential(Linear(3, 4), Linear(4, 3)), source: makeNet())) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("1.running_mean"), message)
            XCTAssertTrue(message.contains("1.weight (expected [3, 4], found [4])"), message)
            XCTAssertTrue(message.contains("2.weight"), message)
        }
    }
}
