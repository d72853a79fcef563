import Torch

/// y = x·Wᵀ + b over the last dimension, as torch.nn.Linear (`weight` is out×in).
public final class Linear: Module, Layer {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Tensor
    public let bias: Tensor?

    /// Weights and bias start as PyTorch's defaults: U(−1/√in, 1/√in).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float32,
                device: Device = .cpu) {
        precondition(inFeatures >= 0 && outFeatures >= 0, "Linear: negative size \(inFeatures)→\(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Tensor.zeros([outFeatures, inFeatures], dtype: dtype, device: device)
        self.bias = bias ? Tensor.zeros([outFeatures], dtype: dtype, device: device) : nil
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
        resetParameters()
    }

    public func resetParameters() { Init.resetLinearLike(weight: weight, bias: bias) }

    public func callAsFunction(_ x: Tensor) -> Tensor { Functional.linear(x, weight: weight, bias: bias) }
}
