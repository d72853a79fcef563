import Torch

/// e4e's `LatentCodesPool`: a history of codes for the latent discriminator. Until it holds `size` codes every
/// query code is stored and returned; then each is, with probability ½, swapped for a random stored one (which is
/// returned instead). For N×k×D queries one random entry of each code's k is used. The reference draws with Python's
/// `random`; here libtorch's seeded generator draws, so the checkpointed RNG state covers the pool too.
public final class LatentCodesPool {
    public let size: Int
    public private(set) var codes: [Tensor] = []

    public init(size: Int) { self.size = size }

    /// N×D or N×k×D codes → N×D codes from the pool.
    public func query(_ ws: Tensor) -> Tensor {
        guard size > 0 else { return ws }
        var out: [Tensor] = []
        for n in 0..<ws.size(0) {
            var w = ws[n]
            if w.rank == 2 { w = w[Int(Tensor.randint(0, w.size(0), [1]).item())] }
            if codes.count < size {
                codes.append(w)
                out.append(w)
            } else if Tensor.rand([1]).item() > 0.5 {
                let i = Int(Tensor.randint(0, size, [1]).item())
                out.append(codes[i].clone())
                codes[i] = w
            } else {
                out.append(w)
            }
        }
        return Tensor.stack(out, dim: 0)
    }

    /// The stored codes as one K×D tensor (nil when empty), for checkpoints.
    public var state: Tensor? { codes.isEmpty ? nil : Tensor.stack(codes, dim: 0) }

    public func restore(_ state: Tensor?) {
        codes = state.map { s in (0..<s.size(0)).map { s[$0].clone() } } ?? []
    }
}
