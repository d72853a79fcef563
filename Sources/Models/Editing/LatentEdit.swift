import Foundation
import Torch

/// A direction in W / W+ space along which codes are moved.
public enum LatentDirection {
    /// InterFaceGAN-style: w' = w + s·n, with n of shape [D] (all layers) or [L, D] (per layer).
    case linear(Tensor)
    /// GANSpace (as e4e/HFGI apply it): on layers start..<end, move the code's coordinate along PCA component `index`
    /// to `s` standard deviations: w' = w + (s − c)·comp·std, c = ((w₀ − mean)·comp) / std.
    case ganspace(components: Tensor, mean: Tensor, std: Tensor, index: Int, start: Int, end: Int)
}

/// A named edit with its direction; `apply` gives the edited W+ codes for a strength.
public struct LatentEdit {
    public var name: String
    public var direction: LatentDirection
    /// What strength 1 means, for the user (e.g. "one standard deviation of the training codes along n").
    public var scaleNote: String

    public init(name: String, direction: LatentDirection, scaleNote: String = "") {
        self.name = name
        self.direction = direction
        self.scaleNote = scaleNote
    }

    /// Edited codes for W+ codes `w` (N×L×D) at `strength`.
    public func apply(_ w: Tensor, strength: Double) -> Tensor {
        let (l, d) = (w.size(1), w.size(2))
        switch direction {
        case .linear(let n):
            let step = n.count == d ? n.reshape([1, 1, d]) : n.reshape([1, l, d])
            return w + step.to(w.dtype, device: w.device) * strength
        case .ganspace(let comps, let mean, let std, let index, let start, let end):
            let comp = comps[index].reshape([d]).to(w.dtype, device: w.device)
            let sigma = std.reshape([-1])[index].to(w.dtype, device: w.device)
            let centered = w.select(dim: 1, index: 0) - mean.reshape([1, d]).to(w.dtype, device: w.device)
            let coordinate = (centered * comp).sum(dim: 1, keepDim: true) / sigma  // N×1
            let delta = ((coordinate * -1) + strength) * comp.reshape([1, d]) * sigma  // N×D
            var mask = [Float](repeating: 0, count: l)
            for i in Swift.max(0, start)..<Swift.min(l, end) { mask[i] = 1 }
            let layers = Tensor(mask, shape: [1, l, 1], device: w.device).to(w.dtype)
            return w + delta.unsqueeze(dim: 1) * layers
        }
    }
}
