import NN
import Torch

/// GRM: F_m = E_res(W_T ∗ T_m, W_f ∗ f_rec^m). The encoder feature T_m carries the details the W code lost; the
/// generator feature f_rec^m says where the generator currently puts things; E_res turns both into a residual in the
/// generator's feature space at that stage.
public final class GradualResidualModule: Module {
    /// W_T: 1×1 projection of the encoder feature.
    public let projectEncoder: Conv2d
    /// W_f: 1×1 projection of the generator feature.
    public let projectGenerator: Conv2d
    /// E_res: IR residual blocks on the concatenation, then a 1×1 conv to the generator's width.
    public let body: Sequential

    public init(encoderChannels: Int, generatorChannels: Int, residualChannels c: Int, blocks: Int) {
        projectEncoder = Conv2d(encoderChannels, c, kernelSize: 1)
        projectGenerator = Conv2d(generatorChannels, c, kernelSize: 1)
        var layers: [any Layer] = []
        var width = 2 * c
        for _ in 0..<blocks {
            layers.append(IRBlock(width, c))
            width = c
        }
        let output = Conv2d(width, generatorChannels, kernelSize: 1)
        // Starts small so the first fused residuals are gentle; α (the fusion's scale) still starts at 0.
        withNoGrad { output.weight.mul_(0.1) }
        layers.append(output)
        body = Sequential(layers)
        super.init()
        registerModule("W_T", projectEncoder)
        registerModule("W_f", projectGenerator)
        registerModule("E_res", body)
    }

    /// `encoderFeature` is resized to the generator feature's size when the two differ (e.g. another input size).
    public func callAsFunction(encoderFeature t: Tensor, generatorFeature f: Tensor) -> Tensor {
        var t = t
        if t.size(2) != f.size(2) || t.size(3) != f.size(3) {
            t = Functional.interpolate(t, size: (f.size(2), f.size(3)), mode: .bilinear, antialias: true)
        }
        return body(Tensor.cat([projectEncoder(t), projectGenerator(f)], dim: 1))
    }
}
