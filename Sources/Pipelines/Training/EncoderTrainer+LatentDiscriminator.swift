import Foundation
import Models
import NN
import Torch

/// e4e's latent discriminator step of `EncoderTrainer` (coach.py `train_discriminator`, `sample_real_and_fake_latents`).
extension EncoderTrainer {
    /// e4e's `sample_real_and_fake_latents`: mapped z and the encoder's codes (the encoder runs in training mode,
    /// so its batch-norm statistics move, as in the reference), through the pools.
    func realAndFakeLatents(_ x: Tensor) -> (real: Tensor, fake: Tensor) {
        let g = model.generator
        var real = g.mapping(Tensor.randn([x.size(0), g.styleDim], device: device))
        var fake = model.latents(x)
        if isProgressive {
            fake = fake.indexSelect(dim: 1, index: Tensor(indices: discriminatedEntries, device: device))
        }
        if let realPool, let fakePool {
            real = realPool.query(real)
            fake = fakePool.query(fake)
        }
        if fake.rank == 3 { fake = fake.select(dim: 1, index: 0) }
        return (real, fake)
    }

    /// e4e's `train_discriminator`: one logistic step, and every `dRegEvery` steps an R1 step on the real codes.
    func trainDiscriminator(_ x: Tensor, parallel: DataParallelism) throws -> [String: Double] {
        guard let d = wDiscriminator, let dOptim = wDiscriminatorOptim else { return [:] }
        var parts: [String: Double] = [:]
        d.unfreeze()
        defer { d.freeze() }
        let (real, fake) = withNoGrad { realAndFakeLatents(x) }
        let realLoss = (-d(real)).softplus().mean()
        let fakeLoss = d(fake).softplus().mean()
        let loss = realLoss + fakeLoss
        d.zeroGrad()
        loss.backward()
        try parallel.step(dOptim)
        parts["d_real"] = realLoss.item()
        parts["d_fake"] = fakeLoss.item()
        if step % options.dRegEvery == 0 {
            let r = real.detach().requiresGrad(true)
            let prediction = d(r)
            let gradient = Autograd.grad(outputs: [prediction.sum()], inputs: [r], createGraph: true)[0]!
            let penalty = gradient.square().reshape([r.size(0), -1]).sum(dim: 1).mean()
            d.zeroGrad()
            (penalty * (options.r1 / 2 * Double(options.dRegEvery))).backward()
            try parallel.step(dOptim)
            parts["d_r1"] = penalty.item()
        }
        return parts
    }
}
