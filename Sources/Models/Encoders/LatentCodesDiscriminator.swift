import NN
import Torch

/// e4e's latent discriminator (models/discriminator.py `LatentCodesDiscriminator(style_dim, n_mlp)`): an MLP on
/// single W codes, (Linear(D, D) → LeakyReLU(0.2)) × (n_mlp − 1) → Linear(D, 1), keys `mlp.0.*`, `mlp.2.*`, ….
/// It tells the encoder's codes from mapped z, which keeps them in (or near) W — e4e's editability regulariser.
public final class LatentCodesDiscriminator: Module, Layer {
    public let mlp: Sequential

    public init(styleDim: Int = 512, mlpLayers: Int = 4) {
        var layers: [any Layer] = []
        for _ in 0..<Swift.max(mlpLayers - 1, 0) {
            layers += [Linear(styleDim, styleDim), LeakyReLU(negativeSlope: 0.2)]
        }
        layers.append(Linear(styleDim, 1))
        mlp = Sequential(layers)
        super.init()
        registerModule("mlp", mlp)
    }

    /// N×D codes → N×1 logits.
    public func callAsFunction(_ w: Tensor) -> Tensor { mlp(w) }
}
