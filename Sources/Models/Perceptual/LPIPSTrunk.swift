import NN
import Torch

/// The convolutional network under LPIPS: it yields the activations LPIPS compares, in order (the lpips package's
/// `relu1`…`relu5` slices). Trunks keep torchvision's `features.N` layout so its ImageNet checkpoints load as they are.
public protocol LPIPSTrunk: Module {
    /// Channels of the tapped activations, in order (the lpips package's `chns`).
    var channels: [Int] { get }
    /// The tapped activations of an input already shifted and scaled by `ScalingLayer`.
    func taps(_ x: Tensor) -> [Tensor]
    /// The smallest input height/width for which every tapped activation is non-empty.
    var minimumInputSide: Int { get }
}

/// Runs `layers` in order up to the last index in `tapIndices`, collecting the outputs at those indices.
func collectTaps(_ layers: [any Layer], at tapIndices: [Int], _ x: Tensor) -> [Tensor] {
    var h = x
    var out: [Tensor] = []
    out.reserveCapacity(tapIndices.count)
    for (i, layer) in layers.enumerated().prefix(tapIndices.max()! + 1) {
        h = layer(h)
        if tapIndices.contains(i) { out.append(h) }
    }
    return out
}

/// The smallest square input side for which convolutions and poolings up to `last` all produce at least one pixel
/// (torch's output-size formula; only `Conv2d` and `MaxPool2d` change sizes in the trunks).
func minimumSide(_ layers: [any Layer], through last: Int) -> Int {
    func output(_ side: Int) -> Int {
        var s = side
        for layer in layers.prefix(last + 1) {
            let span: Int, stride: Int
            if let c = layer as? Conv2d {
                span = s + 2 * c.padding.0 - c.dilation.0 * (c.kernelSize.0 - 1) - 1
                stride = c.stride.0
            } else if let p = layer as? MaxPool2d {
                span = s + 2 * p.padding.0 - p.dilation.0 * (p.kernelSize.0 - 1) - 1
                stride = p.stride.0
            } else {
                continue
            }
            if span < 0 { return 0 }
            s = span / stride + 1
        }
        return s
    }
    var side = 1
    while output(side) < 1 { side += 1 }
    return side
}
