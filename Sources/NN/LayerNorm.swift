import Torch

/// Layer normalisation over the trailing `normalizedShape` dimensions (biased variance), with an elementwise
/// affine of that shape, as torch.nn.LayerNorm.
public final class LayerNorm: Module, Layer {
    public let normalizedShape: [Int]
    public let eps: Double
    public let weight: Tensor?
    public let bias: Tensor?

    public init(_ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
                dtype: DType = .float32, device: Device = .cpu) {
        precondition(!normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 },
                     "LayerNorm: invalid normalized shape \(normalizedShape)")
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? Tensor.ones(normalizedShape, dtype: dtype, device: device) : nil
        self.bias = elementwiseAffine && bias ? Tensor.zeros(normalizedShape, dtype: dtype, device: device) : nil
        super.init()
        if let weight { registerParameter("weight", weight) }
        if let b = self.bias { registerParameter("bias", b) }
    }

    public convenience init(_ normalizedSize: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true,
                            bias: Bool = true, dtype: DType = .float32, device: Device = .cpu) {
        self.init([normalizedSize], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias, dtype: dtype,
                  device: device)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Functional.layerNorm(x, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }
}
