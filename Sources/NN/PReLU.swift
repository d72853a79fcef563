import Torch

/// max(0, x) + a·min(0, x) with a learned slope `a`: one shared (numParameters 1) or one per channel (dim 1),
/// as torch.nn.PReLU. The slopes start at `initialValue` (0.25).
public final class PReLU: Module, Layer {
    public let numParameters: Int
    public let weight: Tensor

    public init(numParameters: Int = 1, initialValue: Double = 0.25, dtype: DType = .float32,
                device: Device = .cpu) {
        precondition(numParameters > 0, "PReLU: numParameters must be positive")
        self.numParameters = numParameters
        weight = Tensor.full([numParameters], initialValue, dtype: dtype, device: device)
        super.init()
        registerParameter("weight", weight)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.prelu(weight) }
}
