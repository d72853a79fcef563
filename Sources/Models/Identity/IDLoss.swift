import Foundation
import NN
import Torch

/// pSp / e4e's identity loss and similarity (criteria/id_loss.py): crop the face region, average-pool it to
/// ArcFace's input size, embed (unit vectors), compare by cosine.
///
/// The crop: the references cut `x[:, :, 35:223, 32:220]` from 256² images (rows 35…222, columns 32…219 of an
/// FFHQ-aligned face). Other sizes use the same box as fractions of the image: rows round(35·H/256) ..<
/// round(223·H/256), columns round(32·W/256) ..< round(220·W/256) — at 1024² rows 140..<892, columns 128..<880;
/// at 64² rows 9..<56, columns 8..<55. This matters only for images not at 256², since the references (and our
/// trainer) compare at the encoder's 256² input.
public final class IDLoss: Module {
    public let facenet: ArcFace

    /// `facenet` is kept frozen and in evaluation mode (dropout off, running BN statistics).
    public init(facenet: ArcFace) {
        self.facenet = facenet
        super.init()
        registerModule("facenet", facenet)
        facenet.eval().freeze()
    }

    /// The ID loss with ArcFace weights from `model_ir_se50.pth` (or our safetensors of it).
    public static func load(_ url: URL, device: Device = .cpu) throws -> IDLoss {
        IDLoss(facenet: try ArcFace.load(url, device: device))
    }

    /// The frozen face network stays in evaluation mode whatever mode the owner sets.
    @discardableResult
    public override func train(_ mode: Bool = true) -> Self {
        super.train(mode)
        facenet.eval()
        return self
    }

    /// The face box (rows `top..<bottom`, columns `left..<right`) for an H×W image.
    public static func faceCrop(height: Int, width: Int) -> (top: Int, bottom: Int, left: Int, right: Int) {
        func scaled(_ v: Int, _ size: Int) -> Int { Int((Double(v) * Double(size) / 256).rounded()) }
        return (scaled(35, height), scaled(223, height), scaled(32, width), scaled(220, width))
    }

    /// `extract_feats`: crop, adaptive average pool to ArcFace's input size, embed. N×3×H×W → N×D unit vectors.
    public func extractFeatures(_ x: Tensor) -> Tensor {
        let box = IDLoss.faceCrop(height: x.size(2), width: x.size(3))
        let face = x.slice(dim: 2, start: box.top, end: box.bottom).slice(dim: 3, start: box.left, end: box.right)
        let s = facenet.config.inputSize
        return facenet(Functional.adaptiveAvgPool2d(face, (s, s)))
    }

    /// Cosine similarity per image of two batches (the ID-similarity metric).
    public func similarity(_ a: Tensor, _ b: Tensor) -> Tensor {
        (extractFeatures(a) * extractFeatures(b)).sum(dim: 1)
    }

    public struct Result {
        /// mean(1 − cos(ŷ, y)), differentiable in ŷ (y's embedding is detached, as in the reference).
        public let loss: Tensor
        /// mean(cos(ŷ, y) − cos(y, x)): how much closer to the target the output is than the input view.
        public let similarityImprovement: Double
    }

    /// `forward(y_hat, y, x)`: `x` is the encoder's input view (the target itself when encoding; default).
    public func callAsFunction(_ yHat: Tensor, _ y: Tensor, _ x: Tensor? = nil) -> Result {
        let yHatFeatures = extractFeatures(yHat)
        let yFeatures = extractFeatures(y).detach()
        let diffTarget = (yHatFeatures * yFeatures).sum(dim: 1)
        let diffViews: Tensor = withNoGrad {
            guard let x else { return Tensor.ones([y.size(0)], device: y.device) }
            return (yFeatures * extractFeatures(x)).sum(dim: 1)
        }
        let improvement = withNoGrad { (diffTarget.detach() - diffViews).mean().item() }
        return Result(loss: (1 - diffTarget).mean(), similarityImprovement: improvement)
    }
}
