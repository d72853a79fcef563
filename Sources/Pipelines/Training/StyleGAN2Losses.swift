import Torch

/// The losses of StyleGAN2 training (Karras et al. 2020; rosinality's train.py).
public enum StyleGAN2Losses {
    /// Non-saturating logistic loss for D: softplus(−D(real)) + softplus(D(fake)).
    public static func discriminator(real: Tensor, fake: Tensor) -> Tensor {
        (-real).softplus().mean() + fake.softplus().mean()
    }

    /// Non-saturating logistic loss for G: softplus(−D(fake)).
    public static func generator(fake: Tensor) -> Tensor { (-fake).softplus().mean() }

    /// R1: the squared norm of ∂D(real)/∂real, averaged over the batch (double backward through D).
    public static func r1Penalty(realPrediction: Tensor, realImages: Tensor) -> Tensor {
        let grad = Autograd.grad(outputs: [realPrediction.sum()], inputs: [realImages], createGraph: true)[0]!
        return grad.square().reshape([grad.size(0), -1]).sum(dim: 1).mean()
    }

    /// Path-length regularisation: ‖J_wᵀ y‖ for random image-space y, pulled towards its running mean.
    /// Returns the penalty, the batch's mean path length and the updated running mean.
    /// `overRanks` turns the batch's mean into the global batch's (the mean over data-parallel ranks).
    public static func pathLength(fake: Tensor, latents: Tensor, meanPathLength: Double, decay: Double = 0.01,
                                  overRanks: (Double) throws -> Double = { $0 }) rethrows
        -> (penalty: Tensor, pathMean: Double, newMean: Double) {
        let pixels = Double(fake.size(2) * fake.size(3))
        let noise = fake.randnLike() / pixels.squareRoot()
        let grad = Autograd.grad(outputs: [(fake * noise).sum()], inputs: [latents], createGraph: true)[0]!
        let lengths = (grad.square().sum(dim: 2).mean(dim: 1)).sqrt()
        let batchMean = try overRanks(lengths.mean().detach().item())
        let newMean = meanPathLength + decay * (batchMean - meanPathLength)
        let penalty = (lengths - newMean).square().mean()
        return (penalty, batchMean, newMean)
    }
}
