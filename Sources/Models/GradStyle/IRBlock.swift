import NN
import Torch

/// An IR residual block (the unit of IR-SE50 without SE): BN → conv3×3 → PReLU → conv3×3 → BN, plus a shortcut
/// (identity, or 1×1 conv + BN when the width changes). E_res of the Gradual Residual Module stacks these.
public final class IRBlock: Module, Layer {
    let shortcut: Sequential?
    let residual: Sequential

    public init(_ inChannels: Int, _ outChannels: Int) {
        residual = Sequential(
            BatchNorm2d(inChannels),
            Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, bias: false),
            PReLU(numParameters: outChannels),
            Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, bias: false),
            BatchNorm2d(outChannels))
        shortcut = inChannels == outChannels ? nil
            : Sequential(Conv2d(inChannels, outChannels, kernelSize: 1, bias: false), BatchNorm2d(outChannels))
        super.init()
        registerModule("res_layer", residual)
        if let shortcut { registerModule("shortcut_layer", shortcut) }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        residual(x) + (shortcut?(x) ?? x)
    }
}
