import XCTest
@testable import Models
import NN
import Torch

/// The in-place inference path of StyledConv (no autograd) computes exactly what the autograd path computes.
final class StyledConvInferenceTests: XCTestCase {
    func testInferencePathEqualsAutogradPath() {
        Torch.manualSeed(12)
        for upsample in [false, true] {
            let layer = StyledConv(6, 5, kernelSize: 3, styleDim: 4, upsample: upsample)
            layer.noise.weight.detach().fill_(0.3)
            layer.activate.bias!.detach().copy_(Tensor.randn([5]))
            let x = Tensor.randn([2, 6, 8, 8]), style = Tensor.randn([2, 4])
            let side = upsample ? 16 : 8
            let noise = Tensor.randn([2, 1, side, side])
            let reference = layer(x, style: style, noise: noise)
            // the reference path by hand: conv → + weight · noise → + bias → leaky ReLU(0.2) · √2
            let byHand = (layer.conv(x, style: style) + noise * 0.3 + layer.activate.bias!.reshape([1, 5, 1, 1])).leakyReLU(0.2) * 2.0.squareRoot()
            XCTAssertLessThan(Float((reference - byHand).abs().max().item()), 1e-5)
            for mode in ["no-grad", "inference"] {
                let fast = mode == "no-grad" ? withNoGrad { layer(x, style: style, noise: noise) }
                                             : withInferenceMode { layer(x, style: style, noise: noise) }
                XCTAssertEqual(fast.floats(), reference.floats(), mode)
            }
        }
    }
}
