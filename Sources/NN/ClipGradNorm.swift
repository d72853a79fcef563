import Torch

/// Scales the gradients of `parameters` in place so their joint norm is at most `maxNorm`, and returns the norm
/// before clipping — torch.nn.utils.clip_grad_norm_: total = ‖(‖g₁‖, ‖g₂‖, …)‖ₚ, every gradient multiplied by
/// min(1, maxNorm / (total + 1e-6)). `normType` may be `.infinity` (largest absolute entry). Parameters without a
/// gradient are skipped; with none at all the result is 0.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2) -> Double {
    precondition(normType > 0, "clipGradNorm: norm type \(normType) must be positive")
    let grads = parameters.compactMap(\.grad)
    guard let first = grads.first else { return 0 }
    let device = first.device
    return withNoGrad {
        let norms = grads.map { g -> Tensor in
            let n = pNorm(g.detach(), normType)
            return n.device == device ? n : n.to(device: device)
        }
        let total = norms.count == 1 ? norms[0] : pNorm(Tensor.stack(norms), normType)
        let coefficient = (maxNorm / (total + 1e-6)).clamp(max: 1)
        for g in grads {
            g.mul_(g.device == device ? coefficient : coefficient.to(device: g.device))
        }
        return total.item()
    }
}

/// ‖x‖ₚ over all entries (p = ∞: the largest absolute entry).
private func pNorm(_ x: Tensor, _ p: Double) -> Tensor {
    if p == .infinity { return x.abs().max() }
    if p == 2 { return x.norm() }
    return x.abs().pow(p).sum().pow(1 / p)
}
