import Torch

/// A face-identity network for the ID similarity metric (ArcFace IR-SE50 in Sources/Models/Identity conforms).
/// `embed` takes N×3×H×W images in [-1, 1] at their own size — cropping and resizing to the network's input is the
/// embedder's business — and returns N×D l2-normalised embeddings.
public protocol IdentityEmbedder {
    func embed(_ x: Tensor) -> Tensor
}

/// Any function as an embedder, e.g. `ClosureIdentityEmbedder { model.features($0) }`.
public struct ClosureIdentityEmbedder: IdentityEmbedder {
    public let body: (Tensor) -> Tensor
    public init(_ body: @escaping (Tensor) -> Tensor) { self.body = body }
    public func embed(_ x: Tensor) -> Tensor { body(x) }
}

/// ID similarity per image pair: the cosine between the identity embeddings of prediction and target (1 = same
/// identity), as pSp/e4e/HFGI report it.
public enum IdentitySimilarity {
    public static func perImage(_ pred: Tensor, _ target: Tensor, embedder: any IdentityEmbedder) throws -> [Double] {
        try MetricImages.check(pred, target, "ID similarity")
        return withInferenceMode {
            let a = embedder.embed(pred).to(.float64), b = embedder.embed(target).to(.float64)
            // Normalised again so that an embedder that forgets to still yields a cosine.
            let na = a / (a.norm(dims: [1], keepDim: true) + 1e-12)
            let nb = b / (b.norm(dims: [1], keepDim: true) + 1e-12)
            return (na * nb).sum(dim: 1).to(device: .cpu).doubles()
        }
    }
}
