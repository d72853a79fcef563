import Torch

/// Zeroes elements with probability `p` and scales the rest by 1/(1 − p) in training; the identity in evaluation,
/// as torch.nn.Dropout.
public final class Dropout: Module, Layer {
    public let p: Double

    public init(p: Double = 0.5) {
        precondition(p >= 0 && p <= 1, "Dropout: probability \(p) not in [0, 1]")
        self.p = p
        super.init()
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { Functional.dropout(x, p: p, training: isTraining) }
}
