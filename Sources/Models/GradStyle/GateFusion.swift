import NN
import Torch

/// Gate&Fusion: how a residual F enters the generator feature f. Every kind is scaled by a learnable α that starts
/// at 0, so an untrained model reproduces the e4e output exactly. The Editing Stream reuses the same weights.
public final class GateFusion: Module {
    public let kind: FusionKind
    /// α, one learnable scalar.
    public let alpha: Tensor
    /// gate: σ(conv3×3([f; F])).
    let gate: Conv2d?
    /// modulation: γ(F), β(F).
    let gamma: Conv2d?
    let beta: Conv2d?

    public init(channels: Int, kind: FusionKind) {
        self.kind = kind
        alpha = Tensor.zeros([1])
        gate = kind == .gate ? Conv2d(2 * channels, channels, kernelSize: 3, padding: 1) : nil
        gamma = kind == .modulation ? Conv2d(channels, channels, kernelSize: 1) : nil
        beta = kind == .modulation ? Conv2d(channels, channels, kernelSize: 1) : nil
        super.init()
        registerParameter("alpha", alpha)
        if let gate { registerModule("gate", gate) }
        if let gamma, let beta {
            registerModule("gamma", gamma)
            registerModule("beta", beta)
        }
    }

    /// f̂ = f + α · fusion(f, F). With `learns` false the same weights are used but gradients do not reach them
    /// (the Editing Stream's losses can then train the Aligners alone).
    public func callAsFunction(feature f: Tensor, residual r: Tensor, learns: Bool = true) -> Tensor {
        func apply(_ c: Conv2d, _ x: Tensor) -> Tensor {
            learns ? c(x) : Functional.conv2d(x, weight: c.weight.detach(), bias: c.bias?.detach(), stride: c.stride,
                                              padding: c.padding, dilation: c.dilation, groups: c.groups)
        }
        let a = (learns ? alpha : alpha.detach()).reshape([1, 1, 1, 1])
        switch kind {
        case .gate:
            let g = apply(gate!, Tensor.cat([f, r], dim: 1)).sigmoid()
            return f + a * g * r
        case .modulation:
            return f + a * (f * apply(gamma!, r) + apply(beta!, r))
        case .add:
            return f + a * r
        }
    }
}
