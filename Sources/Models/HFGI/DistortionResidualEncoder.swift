import NN
import Torch

/// HFGI's consultation encoder (`ResidualEncoder`, checkpoint prefix `residue.`): from an (aligned) distortion map
/// to the scale and shift that modulate the generator's 64² feature.
///
/// stem (3×3 conv, BN, PReLU) → two IR stacks that halve the size → two heads (EqualConv2d, ScaledLeakyReLU,
/// EqualConv2d), each resized bilinearly (align_corners false) to the injection size. The public code resizes to a
/// literal 64×64, the generator's injection layer; `size` is that layer's size.
public final class DistortionResidualEncoder: Module {
    public let convLayer1: Sequential
    public let convLayer2: Sequential
    public let convLayer3: Sequential
    public let conditionScale: Sequential
    public let conditionShift: Sequential

    public init(_ c: HFGIConfig) {
        convLayer1 = Sequential(Conv2d(3, c.residueStem, kernelSize: 3, stride: 1, padding: 1, bias: false),
                                BatchNorm2d(c.residueStem), PReLU(numParameters: c.residueStem))
        convLayer2 = IRUnitStack.make(c.residueStacks[0])
        convLayer3 = IRUnitStack.make(c.residueStacks[1])
        let width = c.residueStacks[1].last!.depth
        func head() -> Sequential {
            Sequential(EqualConv2d(width, c.conditionHidden, kernelSize: 3, stride: 1, padding: 1),
                       ScaledLeakyReLU(slope: 0.2),
                       EqualConv2d(c.conditionHidden, c.conditionChannels, kernelSize: 3, stride: 1, padding: 1))
        }
        conditionScale = head()
        conditionShift = head()
        super.init()
        registerModule("conv_layer1", convLayer1)
        registerModule("conv_layer2", convLayer2)
        registerModule("conv_layer3", convLayer3)
        registerModule("condition_scale3", conditionScale)
        registerModule("condition_shift3", conditionShift)
    }

    /// (scale, shift), each N×C×size×size.
    public func callAsFunction(_ residual: Tensor, size: Int) -> (scale: Tensor, shift: Tensor) {
        let feature = convLayer3(convLayer2(convLayer1(residual)))
        let scale = Functional.interpolate(conditionScale(feature), size: (size, size), mode: .bilinear)
        let shift = Functional.interpolate(conditionShift(feature), size: (size, size), mode: .bilinear)
        return (scale, shift)
    }
}
