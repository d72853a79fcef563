import Torch

/// Group normalisation, as torch.nn.GroupNorm: channels split into `numGroups` groups, each normalised over its
/// channels and all spatial positions per sample (biased variance), then a per-channel affine.
public final class GroupNorm: Module, Layer {
    public let numGroups: Int
    public let numChannels: Int
    public let eps: Double
    public let weight: Tensor?
    public let bias: Tensor?

    public init(_ numGroups: Int, _ numChannels: Int, eps: Double = 1e-5, affine: Bool = true,
                dtype: DType = .float32, device: Device = .cpu) {
        precondition(numGroups > 0 && numChannels % numGroups == 0,
                     "GroupNorm: \(numChannels) channels not divisible into \(numGroups) groups")
        self.numGroups = numGroups
        self.numChannels = numChannels
        self.eps = eps
        weight = affine ? Tensor.ones([numChannels], dtype: dtype, device: device) : nil
        bias = affine ? Tensor.zeros([numChannels], dtype: dtype, device: device) : nil
        super.init()
        if let weight, let bias {
            registerParameter("weight", weight)
            registerParameter("bias", bias)
        }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Functional.groupNorm(x, groups: numGroups, weight: weight, bias: bias, eps: eps)
    }
}
