import Torch

// Parameter-free activations as modules, so `Sequential` can hold them at the indices the reference networks use
// (they take a position in the numbering but add nothing to the state dict).

public final class ReLU: Module, Layer {
    public override init() { super.init() }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.relu() }
}

public final class LeakyReLU: Module, Layer {
    public let negativeSlope: Double
    public init(negativeSlope: Double = 0.01) {
        self.negativeSlope = negativeSlope
        super.init()
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.leakyReLU(negativeSlope) }
}

public final class Sigmoid: Module, Layer {
    public override init() { super.init() }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.sigmoid() }
}

public final class Tanh: Module, Layer {
    public override init() { super.init() }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.tanh() }
}

/// GELU, exact (erf) form as PyTorch's `nn.GELU()` default (the GradStyle Aligner's feed-forward).
public final class GELU: Module, Layer {
    public override init() { super.init() }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.gelu() }
}

/// Returns its input (a placeholder that keeps a reference network's numbering).
public final class Identity: Module, Layer {
    public override init() { super.init() }
    public func callAsFunction(_ x: Tensor) -> Tensor { x }
}
