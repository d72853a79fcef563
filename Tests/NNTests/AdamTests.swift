import Foundation
import XCTest
import Torch
@testable import NN

/// Adam checked against the algorithm of Kingma & Ba (with PyTorch's L2 weight decay and AMSGrad variant) iterated
/// in Swift doubles on loss = Σ cᵢ·pᵢ², whose gradient 2cᵢpᵢ is known in closed form.
final class AdamTests: XCTestCase {
    private struct Reference {
        var p: [Double]
        let c: [Double]
        let lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double, amsgrad: Bool
        var m: [Double], v: [Double], vMax: [Double]
        var t = 0

        init(p: [Double], c: [Double], lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double,
             amsgrad: Bool) {
            self.p = p
            self.c = c
            self.lr = lr
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps
            self.weightDecay = weightDecay
            self.amsgrad = amsgrad
            m = p.map { _ in 0 }
            v = m
            vMax = m
        }

        mutating func step(lr stepLR: Double? = nil) {
            t += 1
            let rate = stepLR ?? lr
            for i in p.indices {
                let g = 2 * c[i] * p[i] + weightDecay * p[i]
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                vMax[i] = Swift.max(vMax[i], v[i])
                let mHat = m[i] / (1 - Foundation.pow(beta1, Double(t)))
                let vHat = (amsgrad ? vMax[i] : v[i]) / (1 - Foundation.pow(beta2, Double(t)))
                p[i] -= rate * mHat / (vHat.squareRoot() + eps)
            }
        }
    }

    private func run(weightDecay: Double, amsgrad: Bool, file: StaticString = #filePath, line: UInt = #line) {
        let initial = [0.8, -1.5, 0.3], c = [1.0, 0.25, 3.0]
        let p = Tensor(initial, shape: [3]).requiresGrad(true)
        let coefficients = Tensor(c, shape: [3])
        let adam = Adam([p], learningRate: 0.1, betas: (0.9, 0.99), eps: 1e-8, weightDecay: weightDecay,
                        amsgrad: amsgrad)
        var reference = Reference(p: initial, c: c, lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8,
                                  weightDecay: weightDecay, amsgrad: amsgrad)
        for step in 1...8 {
            adam.zeroGrad()
            (coefficients * p * p).sum().backward()
            // A learning-rate change takes effect on the next step.
            if step == 6 { adam.learningRate = 0.05 }
            adam.step()
            reference.step(lr: step >= 6 ? 0.05 : 0.1)
            assertClose(p.doubles(), reference.p, atol: 1e-12, rtol: 1e-10, "step \(step)", file: file, line: line)
        }
        XCTAssertEqual(adam.stepCount(ofParameter: 0), 8, file: file, line: line)
        XCTAssertTrue(p.requiresGrad, file: file, line: line)
    }

    func testMatchesClosedForm() { run(weightDecay: 0, amsgrad: false) }
    func testWeightDecayIsAddedToTheGradient() { run(weightDecay: 0.3, amsgrad: false) }
    func testAMSGrad() { run(weightDecay: 0, amsgrad: true) }

    func testFirstStepMovesEachCoordinateByTheLearningRate() {
        // At t = 1, m̂ = g and v̂ = g², so every coordinate moves by lr·sign(g) (up to ε).
        let p = Tensor([1.0, -2.0, 0.5], shape: [3]).requiresGrad(true)
        let adam = Adam([p], learningRate: 0.01)
        (p * p).sum().backward()
        adam.step()
        assertClose(p.doubles(), [0.99, -1.99, 0.49], atol: 1e-9, rtol: 0, "first step")
    }

    func testParametersWithoutGradientAreSkipped() {
        let used = Tensor([1.0, 2.0]).requiresGrad(true)
        let unused = Tensor([3.0, 4.0]).requiresGrad(true)
        let adam = Adam([used, unused], learningRate: 0.1)
        (used * used).sum().backward()
        adam.step()
        XCTAssertEqual(unused.doubles(), [3, 4])
        XCTAssertEqual(adam.stepCount(ofParameter: 1), 0)
        XCTAssertNil(adam.stateDict().tensors["state.1.exp_avg"])
        XCTAssertNotNil(adam.stateDict().tensors["state.0.exp_avg"])
        adam.zeroGrad()
        XCTAssertNil(used.grad)
    }
}
