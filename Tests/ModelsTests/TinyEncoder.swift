import Models
import NN
import Torch

/// A minimal StyleEncoder for stream tests: strided convs give a 3-level pyramid and a linear head gives W+ codes.
final class TinyEncoder: Module, StyleEncoder {
    let c1: Conv2d, c2: Conv2d, c3: Conv2d, head: Linear
    let latentCount: Int
    let inputSize: Int
    let styleDim: Int

    init(inputSize: Int, latentCount: Int, styleDim: Int, width: Int = 8) {
        self.inputSize = inputSize
        self.latentCount = latentCount
        self.styleDim = styleDim
        c1 = Conv2d(3, width, kernelSize: 3, stride: 2, padding: 1)
        c2 = Conv2d(width, width, kernelSize: 3, stride: 2, padding: 1)
        c3 = Conv2d(width, width, kernelSize: 3, stride: 2, padding: 1)
        head = Linear(width, latentCount * styleDim)
        super.init()
        registerModule("c1", c1)
        registerModule("c2", c2)
        registerModule("c3", c3)
        registerModule("head", head)
    }

    func encode(_ x: Tensor) -> EncoderOutput {
        let a = c1(x).leakyReLU(0.2), b = c2(a).leakyReLU(0.2), c = c3(b).leakyReLU(0.2)
        let codes = head(c.mean(dims: [2, 3])).reshape([x.size(0), latentCount, styleDim]) * 0.1
        return EncoderOutput(codes: codes, pyramid: FeaturePyramid(c1: a, c2: b, c3: c, p2: b, p1: a))
    }
}
