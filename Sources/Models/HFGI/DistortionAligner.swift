import NN
import Torch

/// HFGI's Adaptive Distortion Alignment (`ResidualAligner`, checkpoint prefix `grid_align.`): a small U-Net from
/// cat(distortion map, image of the edited code) to the distortion map aligned to the edited layout (3 channels).
///
/// Encoder: stem (3×3 conv, BN, PReLU) → f1, then three stacks that halve the size → f2, f3, f4. Decoder: each level
/// resizes the coarser result bilinearly (align_corners false) to the next skip's size, concatenates the skip and runs
/// a stack. The public code resizes to literal 64/128/256 — the skip sizes for its 256² input.
public final class DistortionAligner: Module {
    public let convLayer1: Sequential
    public let down: [Sequential]
    public let up: [Sequential]

    public init(_ c: HFGIConfig) {
        convLayer1 = Sequential(Conv2d(6, c.alignerStem, kernelSize: 3, stride: 1, padding: 1, bias: false),
                                BatchNorm2d(c.alignerStem), PReLU(numParameters: c.alignerStem))
        down = c.alignerDown.map(IRUnitStack.make)
        up = c.alignerUp.map(IRUnitStack.make)
        super.init()
        registerModule("conv_layer1", convLayer1)
        for (i, s) in down.enumerated() { registerModule("conv_layer\(i + 2)", s) }
        for (i, s) in up.enumerated() { registerModule("dconv_layer\(i + 1)", s) }
    }

    /// x: N×6×H×W (residual, edited image) → N×3×H×W.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let f1 = convLayer1(x)
        let f2 = down[0](f1)
        let f3 = down[1](f2)
        var y = down[2](f3)
        for (stack, skip) in zip(up, [f3, f2, f1]) {
            y = Functional.interpolate(y, size: (skip.size(2), skip.size(3)), mode: .bilinear)
            y = stack(Tensor.cat([y, skip], dim: 1))
        }
        return y
    }
}
