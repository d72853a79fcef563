import Foundation
import XCTest
import Torch
@testable import NN

/// Saving an optimiser's state, loading it into a fresh optimiser over equal parameters, and checking the next
/// steps agree bit for bit with the uninterrupted run.
final class OptimizerStateTests: XCTestCase {
    private func makeParameters(seed: UInt64) -> [Tensor] {
        var rng = SplitMix64(seed: seed)
        return [[3, 2, 2, 2], [3], [4, 3]].map { Tensor(rng.values($0.reduce(1, *)), shape: $0).to(.float32).requiresGrad(true) }
    }

    /// A loss with distinct, parameter-dependent gradients; the last parameter only gets a gradient when `useAll`.
    private func backward(_ params: [Tensor], step: Int, useAll: Bool) {
        var loss = (params[0] * params[0]).sum() * (1 + 0.1 * Double(step)) + (params[1] * 3).sin().sum()
        if useAll { loss = loss + (params[2] * params[2] * params[2]).sum() }
        loss.backward()
    }

    /// Simulates a file: every tensor through host bytes, scalars as 0-D tensors.
    private func throughFile(_ state: OptimizerState) throws -> OptimizerState {
        let flat = state.flattened().mapValues { Tensor($0.hostTensor()) }
        return try OptimizerState(kind: state.kind, flattened: flat)
    }

    private func checkResume(stepsBefore: Int, stepsAfter: Int, make: ([Tensor], Double) -> any Optimizer,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let params = makeParameters(seed: 5)
        let optimizer = make(params, 0.01)
        for s in 0..<stepsBefore {
            optimizer.zeroGrad()
            backward(params, step: s, useAll: s >= 2)  // parameter 2 starts later: fewer steps, own step count
            optimizer.step()
        }
        optimizer.learningRate = 0.02
        let saved = try throughFile(optimizer.stateDict())

        let copies = params.map { $0.detach().clone().requiresGrad(true) }
        let resumed = make(copies, 0.5)
        try resumed.load(saved)
        XCTAssertEqual(resumed.learningRate, 0.02, file: file, line: line)

        for s in stepsBefore..<(stepsBefore + stepsAfter) {
            for (o, p) in [(optimizer, params), (resumed, copies)] {
                o.zeroGrad()
                backward(p, step: s, useAll: true)
                o.step()
            }
            for (a, b) in zip(params, copies) {
                XCTAssertEqual(a.floats(), b.floats(), "step \(s + 1)", file: file, line: line)
            }
        }
    }

    func testAdamResumesExactly() throws {
        try checkResume(stepsBefore: 4, stepsAfter: 3, make: { Adam($0, learningRate: $1, weightDecay: 0.01) })
        try checkResume(stepsBefore: 3, stepsAfter: 2, make: { Adam($0, learningRate: $1, amsgrad: true) })
    }

    func testRangerResumesExactlyAcrossLookahead() throws {
        // Saved after 5 steps: the 6th (first after resume) is a lookahead step that needs the slow buffer.
        try checkResume(stepsBefore: 5, stepsAfter: 8, make: { Ranger($0, learningRate: $1) })
    }

    func testStateLayout() {
        let params = makeParameters(seed: 6)
        let ranger = Ranger(params, learningRate: 0.01)
        backward(params, step: 0, useAll: false)
        ranger.step()
        let state = ranger.stateDict()
        XCTAssertEqual(state.kind, "Ranger")
        XCTAssertEqual(Set(state.tensors.keys), [
            "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.slow_buffer",
            "state.1.exp_avg", "state.1.exp_avg_sq", "state.1.slow_buffer",
        ])
        XCTAssertEqual(state.scalars["state.0.step"], 1)
        XCTAssertEqual(state.scalars["state.1.step"], 1)
        XCTAssertNil(state.scalars["state.2.step"])
        XCTAssertEqual(state.scalars["param_groups.0.lr"], 0.01)
        XCTAssertEqual(state.scalars["param_groups.0.param_count"], 3)
        XCTAssertEqual(state.scalars["param_groups.0.k"], 6)
        let flat = state.flattened()
        XCTAssertEqual(flat["state.0.step"]?.dtype, .float64)
        XCTAssertEqual(flat["state.0.step"]?.shape, [])
        XCTAssertEqual(flat["state.0.exp_avg"]?.shape, [3, 2, 2, 2])

        // A snapshot: stepping on does not change it.
        let before = state.tensors["state.0.exp_avg"]!.floats()
        ranger.zeroGrad()
        backward(params, step: 1, useAll: false)
        ranger.step()
        XCTAssertEqual(state.tensors["state.0.exp_avg"]!.floats(), before)
    }

    func testLoadRejectsMismatchesAndChangesNothing() throws {
        let params = makeParameters(seed: 7)
        let adam = Adam(params, learningRate: 0.01)
        backward(params, step: 0, useAll: true)
        adam.step()
        let adamState = adam.stateDict()

        let ranger = Ranger(makeParameters(seed: 8), learningRate: 0.3)
        XCTAssertThrowsError(try ranger.load(adamState)) { error in
            XCTAssertTrue("\(error)".contains("state is for Adam, not Ranger"), "\(error)")
        }
        XCTAssertEqual(ranger.learningRate, 0.3)

        // Different shapes and count.
        let other = Adam([Tensor.zeros([3, 2, 2, 2]).requiresGrad(true), Tensor.zeros([5]).requiresGrad(true)],
                         learningRate: 0.7)
        XCTAssertThrowsError(try other.load(adamState)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("state covers 3 parameters, the optimizer has 2"), message)
            XCTAssertTrue(message.contains("'state.1.exp_avg' has shape [3], parameter 1 has [5]"), message)
            XCTAssertTrue(message.contains("unexpected 'state.2.exp_avg'"), message)
        }
        XCTAssertEqual(other.learningRate, 0.7)
        XCTAssertEqual(other.stepCount(ofParameter: 0), 0)

        // Missing and unknown entries.
        var broken = adamState
        broken.tensors["state.0.exp_avg_sq"] = nil
        broken.tensors["state.0.momentum_buffer"] = Tensor.zeros([3, 2, 2, 2])
        broken.scalars["param_groups.0.eps"] = nil
        let fresh = Adam(makeParameters(seed: 9))
        XCTAssertThrowsError(try fresh.load(broken)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("missing 'state.0.exp_avg_sq'"), message)
            XCTAssertTrue(message.contains("unexpected 'state.0.momentum_buffer'"), message)
            XCTAssertTrue(message.contains("missing 'param_groups.0.eps'"), message)
        }
        XCTAssertEqual(fresh.stepCount(ofParameter: 0), 0)
    }
}
