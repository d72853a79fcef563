import Torch

/// HFGI's training objective (`Coach.calc_loss`): λ_id·ID(ŷ, y) + λ_l2·MSE(ŷ, y) + λ_lpips·LPIPS(ŷ, y) +
/// λ_res·mean|Δ|, where ŷ is the final image brought to the target's size, and Δ = ADA's output minus the undistorted
/// distortion map (`delta = res - res_gt`). The perceptual and identity terms need their networks (`ImageLosses`);
/// without them they are left out.
public struct HFGILoss {
    public var options: HFGITrainingOptions
    public var networks: ImageLosses

    public init(options: HFGITrainingOptions, networks: ImageLosses = ImageLosses()) {
        self.options = options
        self.networks = networks
    }

    /// Output and target at a common size: the smaller of the two, by area averaging (the public `face_pool` brings
    /// a 1024² generator to the 256² data; a generator smaller than the data compares against the data at its size).
    public static func commonSize(_ y: Tensor, _ x: Tensor) -> (Tensor, Tensor) {
        let s = Swift.min(y.size(2), x.size(2))
        func at(_ t: Tensor) -> Tensor { t.size(2) == s ? t : Functional.interpolate(t, size: (s, s), mode: .area) }
        return (at(y), at(x))
    }

    /// The total loss and its parts for the log (l2, lpips, id, res — only the terms that are on).
    /// `output`: the generator's image; `target`: the batch; `aligned`: ADA's output; `residual`: the map it should
    /// recover.
    public func callAsFunction(output: Tensor, target: Tensor, aligned: Tensor, residual: Tensor) -> (total: Tensor, parts: [String: Double]) {
        let (y, x) = HFGILoss.commonSize(output, target)
        var total = Tensor.zeros([], device: output.device)
        var parts: [String: Double] = [:]
        if options.lambdaL2 > 0 {
            let l2 = (y - x).square().mean()
            total = total + l2 * options.lambdaL2
            parts["l2"] = l2.item()
        }
        if let perceptual = networks.perceptual, options.lambdaLPIPS > 0 {
            let p = perceptual(y, x).mean()
            total = total + p * options.lambdaLPIPS
            parts["lpips"] = p.item()
        }
        if let identity = networks.identity, options.lambdaID > 0 {
            let i = identity(y, x).mean()
            total = total + i * options.lambdaID
            parts["id"] = i.item()
        }
        if options.lambdaRes > 0 {
            let res = (aligned - residual.detach()).abs().mean()
            total = total + res * options.lambdaRes
            parts["res"] = res.item()
        }
        return (total, parts)
    }
}
