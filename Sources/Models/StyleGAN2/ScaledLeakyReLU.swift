import NN
import Torch

/// rosinality's `ScaledLeakyReLU`: leaky ReLU(slope) times √2, without a bias (HFGI's condition heads use it).
public final class ScaledLeakyReLU: Module, Layer {
    public let slope: Double

    public init(slope: Double = 0.2) {
        self.slope = slope
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.leakyReLU(slope) * 2.0.squareRoot() }
}
