import NN
import Torch

/// A linear layer with equalized learning rate: weights stored as N(0, 1/lr_mul²) and scaled by lr_mul/√in at run
/// time, so every layer learns at the same speed. With `activation` it applies the fused leaky ReLU.
public final class EqualLinear: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor?
    public let scale: Double
    public let lrMultiplier: Double
    public let activation: Bool

    public init(_ inDim: Int, _ outDim: Int, bias: Bool = true, biasInit: Double = 0, lrMultiplier: Double = 1,
                activation: Bool = false) {
        weight = Tensor.randn([outDim, inDim]) / lrMultiplier
        self.bias = bias ? Tensor.full([outDim], biasInit) : nil
        scale = 1 / Double(inDim).squareRoot() * lrMultiplier
        self.lrMultiplier = lrMultiplier
        self.activation = activation
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let b = bias.map { $0 * lrMultiplier }
        if activation {
            return fusedLeakyReLU(Functional.linear(x, weight: weight * scale), bias: b)
        }
        return Functional.linear(x, weight: weight * scale, bias: b)
    }
}

/// PixelNorm as a layer (the mapping network's first entry, `style.0`, which has no parameters).
public final class PixelNorm: Module, Layer {
    public override init() { super.init() }
    public func callAsFunction(_ x: Tensor) -> Tensor { pixelNorm(x) }
}
