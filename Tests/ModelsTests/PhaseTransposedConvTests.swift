import XCTest
@testable import Models
import Torch

final class PhaseTransposedConvTests: XCTestCase {
    /// Equal to libtorch's transposed convolution (the definition), for odd and even sides, one and several groups,
    /// and in its gradients.
    func testEqualsTransposedConvolution() {
        Torch.manualSeed(21)
        for (h, w, g) in [(4, 4, 1), (5, 3, 1), (6, 7, 2), (1, 1, 3)] {
            let x = Tensor.randn([2, 4 * g, h, w]).requiresGrad(true)
            let weight = Tensor.randn([4 * g, 3, 3, 3]).requiresGrad(true)
            let reference = Functional.convTranspose2d(x, weight: weight, stride: (2, 2), groups: g)
            let phased = PhaseTransposedConv.apply(x, weight: weight, groups: g)
            XCTAssertEqual(phased.shape, reference.shape)
            XCTAssertLessThan(Float((phased - reference).abs().max().item()), 1e-4, "\(h)×\(w), groups \(g)")
            let probe = Tensor.randn(reference.shape)
            let gx = Autograd.grad(outputs: [(reference * probe).sum()], inputs: [x, weight])
            let gp = Autograd.grad(outputs: [(phased * probe).sum()], inputs: [x, weight])
            for (a, b) in zip(gx, gp) { XCTAssertLessThan(Float((a! - b!).abs().max().item()), 1e-3) }
        }
    }
}
