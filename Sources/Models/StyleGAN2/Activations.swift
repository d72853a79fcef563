import Torch

/// StyleGAN2's bias + leaky ReLU(0.2) scaled by √2 (the "fused" activation): keeps activations' variance.
public func fusedLeakyReLU(_ x: Tensor, bias: Tensor?, slope: Double = 0.2, scale: Double = 2.0.squareRoot()) -> Tensor {
    var out = x
    if let bias {
        var biasShape = [1, bias.size(0)]
        biasShape += [Int](repeating: 1, count: max(x.rank - 2, 0))
        out = out + bias.reshape(biasShape)
    }
    return out.leakyReLU(slope) * scale
}

/// Normalises each vector to unit mean square across dimension 1 (the mapping network's input).
public func pixelNorm(_ x: Tensor, eps: Double = 1e-8) -> Tensor {
    x * (x.square().mean(dim: 1, keepDim: true) + eps).rsqrt()
}
