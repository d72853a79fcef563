import Foundation
import XCTest
import Torch
@testable import NN

/// Ranger checked against a straightforward per-element re-implementation written from the papers: RAdam (Liu et al.
/// 2020) with its variance rectification and SGD-with-momentum warm-up, Lookahead (Zhang et al. 2019) every k steps,
/// and Gradient Centralization (Yong et al. 2020) for gradients of more than one dimension.
final class RangerTests: XCTestCase {
    private struct ScalarRanger {
        var lr = 1e-3, alpha = 0.5, k = 6, threshold = 5.0, beta1 = 0.95, beta2 = 0.999, eps = 1e-5
        var weightDecay = 0.0
        /// GC applies to gradients whose rank exceeds this (1: conv and fc weights; 3: conv only).
        var gcMinRank = 1
        var t = 0
        var m: [[Double]] = [], v: [[Double]] = [], slow: [[Double]] = []
        var rectifiedSteps = 0, warmupSteps = 0

        mutating func step(_ params: inout [[Double]], shapes: [[Int]], grads: [[Double]]) {
            if t == 0 {
                m = params.map { $0.map { _ in 0 } }
                v = m
                slow = params
            }
            t += 1
            let time = Double(t)
            let rhoInf = 2 / (1 - beta2) - 1
            let b2t = Foundation.pow(beta2, time)
            let rho = rhoInf - 2 * time * b2t / (1 - b2t)
            let rectified = rho > threshold
            if rectified { rectifiedSteps += 1 } else { warmupSteps += 1 }
            for i in params.indices {
                var g = grads[i]
                let shape = shapes[i]
                if shape.count > gcMinRank {
                    // Centre each slice along the first dimension.
                    let slice = g.count / shape[0]
                    for row in 0..<shape[0] {
                        let range = (row * slice)..<((row + 1) * slice)
                        let mean = g[range].reduce(0, +) / Double(slice)
                        for j in range { g[j] -= mean }
                    }
                }
                for j in g.indices {
                    m[i][j] = beta1 * m[i][j] + (1 - beta1) * g[j]
                    v[i][j] = beta2 * v[i][j] + (1 - beta2) * g[j] * g[j]
                    params[i][j] -= weightDecay * lr * params[i][j]
                    let mHat = m[i][j] / (1 - Foundation.pow(beta1, time))
                    if rectified {
                        let r = ((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho)).squareRoot()
                        // Adaptive learning rate √(1 − β₂ᵗ)/(√v + ε): ε added to the raw √v, as Ranger does.
                        params[i][j] -= lr * r * mHat * (1 - b2t).squareRoot() / (v[i][j].squareRoot() + eps)
                    } else {
                        params[i][j] -= lr * mHat
                    }
                }
            }
            if t % k == 0 {
                for i in params.indices {
                    for j in params[i].indices {
                        slow[i][j] += alpha * (params[i][j] - slow[i][j])
                        params[i][j] = slow[i][j]
                    }
                }
            }
        }
    }

    /// loss = Σ c·p² + Σ d·p over all parameters; gradient 2c·p + d.
    private func check(shapes: [[Int]], steps: Int, configure: (inout ScalarRanger) -> Void,
                       make: ([Tensor]) -> Ranger, file: StaticString = #filePath, line: UInt = #line) -> ScalarRanger {
        var rng = SplitMix64(seed: 99)
        var values = shapes.map { rng.values($0.reduce(1, *)) }
        let cs = shapes.map { s in rng.values(s.reduce(1, *)).map { $0 + 1.5 } }
        let ds = shapes.map { rng.values($0.reduce(1, *)) }
        let params = zip(values, shapes).map { Tensor($0, shape: $1).requiresGrad(true) }
        let cT = zip(cs, shapes).map { Tensor($0, shape: $1) }
        let dT = zip(ds, shapes).map { Tensor($0, shape: $1) }
        let ranger = make(params)
        var reference = ScalarRanger()
        configure(&reference)
        for step in 1...steps {
            ranger.zeroGrad()
            var loss = Tensor.zeros([], dtype: .float64)
            for i in params.indices { loss = loss + (cT[i] * params[i] * params[i] + dT[i] * params[i]).sum() }
            loss.backward()
            let grads = values.indices.map { i in values[i].indices.map { 2 * cs[i][$0] * values[i][$0] + ds[i][$0] } }
            ranger.step()
            reference.step(&values, shapes: shapes, grads: grads)
            for i in params.indices {
                assertClose(params[i].doubles(), values[i], atol: 1e-12, rtol: 1e-9, "step \(step) parameter \(i)",
                            file: file, line: line)
            }
        }
        return reference
    }

    func testDefaultsMatchReference() {
        let ranger = Ranger([Tensor.zeros([1]).requiresGrad(true)])
        XCTAssertEqual(ranger.learningRate, 1e-3)
        XCTAssertEqual(ranger.alpha, 0.5)
        XCTAssertEqual(ranger.k, 6)
        XCTAssertEqual(ranger.nSmaThreshold, 5)
        XCTAssertEqual(ranger.betas.0, 0.95)
        XCTAssertEqual(ranger.betas.1, 0.999)
        XCTAssertEqual(ranger.eps, 1e-5)
        XCTAssertEqual(ranger.weightDecay, 0)
        XCTAssertTrue(ranger.useGC)
        XCTAssertFalse(ranger.gcConvOnly)
    }

    func testMatchesPaperFormulasWithDefaults() {
        // 14 steps: the SGD warm-up (ρₜ ≤ 5 for t ≤ 5), rectified steps after, and lookahead at steps 6 and 12.
        let reference = check(shapes: [[2, 3], [3]], steps: 14, configure: { $0.lr = 0.05 },
                              make: { Ranger($0, learningRate: 0.05) })
        XCTAssertEqual(reference.warmupSteps, 5)
        XCTAssertEqual(reference.rectifiedSteps, 9)
    }

    func testWeightDecayLookaheadSettingsAndConvOnlyGC() {
        _ = check(shapes: [[2, 3], [2, 2, 1, 2], [2]], steps: 10, configure: {
            $0.lr = 0.02
            $0.alpha = 0.8
            $0.k = 3
            $0.weightDecay = 0.1
            $0.gcMinRank = 3
            $0.beta1 = 0.9
            $0.beta2 = 0.99
            $0.eps = 1e-6
        }, make: {
            Ranger($0, learningRate: 0.02, alpha: 0.8, k: 3, betas: (0.9, 0.99), eps: 1e-6, weightDecay: 0.1,
                   gcConvOnly: true)
        })
    }

    func testWithoutGradientCentralization() {
        _ = check(shapes: [[3, 2]], steps: 7, configure: { $0.lr = 0.01; $0.gcMinRank = .max },
                  make: { Ranger($0, learningRate: 0.01, useGC: false) })
    }

    func testParametersWithoutGradientAreSkippedAndGradientIsLeftAlone() {
        let used = Tensor([1.0, 2.0, 3.0, 4.0], shape: [2, 2]).requiresGrad(true)
        let unused = Tensor([5.0]).requiresGrad(true)
        let ranger = Ranger([used, unused], learningRate: 0.1)
        (used * used).sum().backward()
        let gradBefore = used.grad!.doubles()
        ranger.step()
        XCTAssertEqual(unused.doubles(), [5])
        XCTAssertEqual(ranger.stepCount(ofParameter: 0), 1)
        XCTAssertEqual(ranger.stepCount(ofParameter: 1), 0)
        XCTAssertEqual(used.grad!.doubles(), gradBefore)
    }

    func testHalfPrecisionParameterUsesFloat32State() {
        let p = Tensor([0.5, -0.25] as [Float]).to(.bfloat16).requiresGrad(true)
        let ranger = Ranger([p], learningRate: 0.1)
        (p * p).sum().backward()
        ranger.step()
        // First step is SGD with momentum and bias correction: θ − lr·g.
        assertClose(p.doubles(), [0.5 - 0.1 * 1.0, -0.25 + 0.1 * 0.5], atol: 1e-2, rtol: 0, "bf16 step")
        XCTAssertEqual(p.dtype, .bfloat16)
        XCTAssertEqual(ranger.stateDict().tensors["state.0.exp_avg"]?.dtype, .float32)
        XCTAssertEqual(ranger.stateDict().tensors["state.0.slow_buffer"]?.dtype, .bfloat16)
    }
}
