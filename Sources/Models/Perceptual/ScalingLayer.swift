import NN
import Torch

/// The lpips package's input normalisation (v0.1): `(x − shift) / scale` per channel, mapping [-1, 1] images to
/// roughly the ImageNet statistics the trunks were trained on. Buffers `shift` and `scale` (1×3×1×1) are part of
/// the state dict, as in the reference.
public final class ScalingLayer: Module, Layer {
    public let shift: Tensor
    public let scale: Tensor

    public override init() {
        shift = Tensor([-0.030, -0.088, -0.188] as [Float], shape: [1, 3, 1, 1])
        scale = Tensor([0.458, 0.448, 0.450] as [Float], shape: [1, 3, 1, 1])
        super.init()
        registerBuffer("shift", shift)
        registerBuffer("scale", scale)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { (x - shift) / scale }
}
