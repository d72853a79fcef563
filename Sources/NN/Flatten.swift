import Torch

/// Merges dimensions `startDim…endDim` into one (by default all but the batch dimension), as torch.nn.Flatten.
public final class Flatten: Module, Layer {
    public let startDim: Int
    public let endDim: Int

    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.flatten(startDim: startDim, endDim: endDim) }
}
