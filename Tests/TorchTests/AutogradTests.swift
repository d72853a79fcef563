import XCTest
@testable import Torch

/// Gradients against central finite differences in float64.
final class AutogradTests: XCTestCase {
    /// f(x) = sum(sin(x) * x² + exp(0.3 x) / (1 + x²)), with an independent Swift evaluation.
    static func f(_ x: Tensor) -> Tensor { (x.sin() * x.square() + (x * 0.3).exp() / (x.square() + 1)).sum() }
    static func fDirect(_ x: [Double]) -> Double {
        x.map { Foundation.sin($0) * $0 * $0 + Foundation.exp(0.3 * $0) / (1 + $0 * $0) }.reduce(0, +)
    }

    func testFirstOrderGradientMatchesFiniteDifferences() {
        let values: [Double] = [0.3, -1.2, 2.0, 0.7]
        let x = Tensor(values).requiresGrad(true)
        let y = Self.f(x)
        XCTAssertEqual(y.item(), Self.fDirect(values), accuracy: 1e-12)
        y.backward()
        let g = x.grad!.doubles()
        let h = 1e-6
        for i in 0..<values.count {
            var p = values, m = values
            p[i] += h
            m[i] -= h
            XCTAssertEqual(g[i], (Self.fDirect(p) - Self.fDirect(m)) / (2 * h), accuracy: 1e-6)
        }
    }

    func testDoubleBackwardMatchesFiniteDifferencesOfTheGradient() {
        // R1-style: penalty = ||∂f/∂x||², differentiated again w.r.t. x.
        let values: [Double] = [0.5, -0.4, 1.1]
        func penalty(_ v: [Double]) -> Double {
            let x = Tensor(v).requiresGrad(true)
            let g = Autograd.grad(outputs: [Self.f(x)], inputs: [x], createGraph: true)[0]!
            return g.square().sum().item()
        }
        let x = Tensor(values).requiresGrad(true)
        let g = Autograd.grad(outputs: [Self.f(x)], inputs: [x], createGraph: true)[0]!
        let p = g.square().sum()
        let gg = Autograd.grad(outputs: [p], inputs: [x])[0]!.doubles()
        let h = 1e-5
        for i in 0..<values.count {
            var a = values, b = values
            a[i] += h
            b[i] -= h
            XCTAssertEqual(gg[i], (penalty(a) - penalty(b)) / (2 * h), accuracy: 1e-5)
        }
    }

    func testConvGradientMatchesFiniteDifferences() {
        Torch.manualSeed(3)
        let x = Tensor.randn([1, 2, 4, 4], dtype: .float64)
        let w = Tensor.randn([3, 2, 3, 3], dtype: .float64).requiresGrad(true)
        func loss(_ w: Tensor) -> Tensor { Functional.conv2d(x, weight: w, padding: (1, 1)).tanh().sum() }
        loss(w).backward()
        let g = w.grad!.doubles()
        let wv = w.detach().doubles()
        let h = 1e-6
        for i in stride(from: 0, to: wv.count, by: 7) {
            var a = wv, b = wv
            a[i] += h
            b[i] -= h
            let fa = loss(Tensor(a, shape: [3, 2, 3, 3])).item(), fb = loss(Tensor(b, shape: [3, 2, 3, 3])).item()
            XCTAssertEqual(g[i], (fa - fb) / (2 * h), accuracy: 1e-6)
        }
    }

    func testNoGradAndInferenceMode() {
        let x = Tensor.ones([2]).requiresGrad(true)
        let y = withNoGrad { x * 2 }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(Autograd.isGradEnabled)
        let z = withInferenceMode { x * 3 }
        XCTAssertFalse(z.requiresGrad)
        XCTAssertTrue((x * 2).requiresGrad)
    }

    func testGradAccumulatesAndResets() {
        let x = Tensor([1, 2] as [Double]).requiresGrad(true)
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        XCTAssertEqual(x.grad!.doubles(), [6, 6])
        x.zeroGrad()
        XCTAssertNil(x.grad)
        XCTAssertNil(Autograd.grad(outputs: [(x * 2).sum()], inputs: [x, Tensor.ones([1]).requiresGrad(true)],
                                   allowUnused: true)[1])
    }
}
