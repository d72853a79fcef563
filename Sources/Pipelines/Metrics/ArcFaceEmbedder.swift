import Foundation
import Models
import Torch

/// ArcFace (IR-SE50, `model_ir_se50.pth`) as the ID-similarity embedder, with pSp/e4e's face crop and pooling
/// (`IDLoss.extractFeatures`).
public struct ArcFaceEmbedder: IdentityEmbedder {
    public let idLoss: IDLoss

    public init(_ idLoss: IDLoss) { self.idLoss = idLoss }

    public static func load(_ url: URL, device: Device = .cpu) throws -> ArcFaceEmbedder {
        ArcFaceEmbedder(try IDLoss.load(url, device: device))
    }

    public func embed(_ x: Tensor) -> Tensor { idLoss.extractFeatures(x) }
}
