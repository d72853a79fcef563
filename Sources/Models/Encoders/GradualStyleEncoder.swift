import NN
import Torch

/// pSp's encoder (Richardson et al., "Encoding in Style", psp_encoders.py `GradualStyleEncoder`): every W+ entry i
/// is predicted independently by `styles[i]` from its pyramid level (coarse from c3, middle from p2, fine from p1).
public final class GradualStyleEncoder: FPNStyleEncoder {
    public override init(_ config: EncoderConfig) {
        var c = config
        c.type = .psp
        super.init(c)
    }

    public override func codes(from p: FeaturePyramid) -> Tensor {
        Tensor.stack((0..<config.styleCount).map { styles[$0](feature(forStyle: $0, in: p)) }, dim: 1)
    }
}
