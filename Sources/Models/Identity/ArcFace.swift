import Foundation
import NN
import TensorIO
import Torch

/// The shape of an ArcFace IR network (model_irse.py `Backbone`).
public struct ArcFaceConfig: Codable, Equatable, Sendable {
    public var backbone: IRBackboneConfig
    /// 112 (7×7 final map) or 224 (14×14); any multiple of 16 works.
    public var inputSize: Int
    public var embeddingDim: Int
    /// Dropout before the embedding layer (0.6 in pSp/e4e's ID loss, 0.4 in IR_SE_50()); off in evaluation.
    public var dropRatio: Double
    /// Whether the final BatchNorm1d has weight and bias (TreB1eN's model_ir_se50.pth: yes).
    public var affine: Bool

    public init(backbone: IRBackboneConfig = .irSE50, inputSize: Int = 112, embeddingDim: Int = 512,
                dropRatio: Double = 0.6, affine: Bool = true) {
        self.backbone = backbone
        self.inputSize = inputSize
        self.embeddingDim = embeddingDim
        self.dropRatio = dropRatio
        self.affine = affine
    }

    /// What pSp / e4e use for the ID loss: IR-SE-50, 112², 512-d, drop 0.6, affine BN.
    public static let irSE50 = ArcFaceConfig()

    /// Side of the last feature map (input / 16).
    public var finalSize: Int { inputSize / 16 }

    public func validate() throws {
        try backbone.validate()
        guard inputSize >= 16, inputSize % 16 == 0 else { throw ModelError("ArcFace input size \(inputSize) is not a multiple of 16") }
        guard embeddingDim >= 1, (0..<1).contains(dropRatio) else { throw ModelError("invalid ArcFace embedding \(embeddingDim) / dropout \(dropRatio)") }
    }
}

/// ArcFace face recogniser (TreB1eN/InsightFace_Pytorch `Backbone`, as pSp / e4e copy it into model_irse.py):
/// `input_layer`, `body` (IR-SE units) and `output_layer` = BatchNorm2d → Dropout → Flatten → Linear(C·7·7, 512)
/// → BatchNorm1d, then l2 normalisation. Loads `model_ir_se50.pth` by key.
public final class ArcFace: Module {
    public let config: ArcFaceConfig
    public let inputLayer: Sequential
    public let body: Sequential
    public let outputLayer: Sequential

    public init(_ config: ArcFaceConfig = .irSE50) {
        self.config = config
        let c = config.backbone.widths[3]
        inputLayer = IRBackbone.inputLayer(config.backbone)
        body = IRBackbone.body(config.backbone)
        outputLayer = Sequential(BatchNorm2d(c), Dropout(p: config.dropRatio), Flatten(),
                                 Linear(c * config.finalSize * config.finalSize, config.embeddingDim),
                                 BatchNorm1d(config.embeddingDim, affine: config.affine))
        super.init()
        // Registration order as in model_irse.py, so state_dict() lists keys in the checkpoint's order.
        registerModule("input_layer", inputLayer)
        registerModule("output_layer", outputLayer)
        registerModule("body", body)
    }

    /// N×3×inputSize² faces in [-1, 1] → N×embeddingDim unit vectors.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank == 4 && x.size(2) == config.inputSize && x.size(3) == config.inputSize,
                     "ArcFace: expected N×3×\(config.inputSize)×\(config.inputSize) input, got \(x.shape)")
        let e = outputLayer(body(inputLayer(x)))
        return e / e.norm(dims: [1], keepDim: true)
    }

    /// The configuration that fits a state dict in the `model_ir_se50.pth` layout.
    public static func inferConfig(_ t: [String: Tensor]) throws -> ArcFaceConfig {
        guard let linear = t["output_layer.3.weight"], linear.rank == 2 else {
            throw ModelError("no 'output_layer.3.weight': this is not an ArcFace IR network")
        }
        let backbone = try IRBackbone.inferConfig(t)
        let area = linear.size(1) / backbone.widths[3]
        let side = Int(Double(area).squareRoot().rounded())
        guard side * side * backbone.widths[3] == linear.size(1) else {
            throw ModelError("'output_layer.3.weight' has shape \(linear.shape): not \(backbone.widths[3])·k·k inputs")
        }
        let config = ArcFaceConfig(backbone: backbone, inputSize: side * 16, embeddingDim: linear.size(0),
                                   affine: t["output_layer.4.weight"] != nil)
        try config.validate()
        return config
    }

    /// Loads `model_ir_se50.pth` (or any state dict of that layout, `.pt` or `.safetensors`), strictly, in
    /// evaluation mode and frozen.
    public static func load(_ url: URL, device: Device = .cpu) throws -> ArcFace {
        let file = try CheckpointFile(url)
        var host = try file.hostTensors()
        if host["output_layer.3.weight"] == nil, file.topLevelKeys.contains("facenet") {
            host = try file.hostTensors(under: "facenet")
        }
        let tensors = host.tensors()
        let net: ArcFace
        do {
            net = ArcFace(try inferConfig(tensors))
        } catch let e as ModelError {
            throw TensorIOError(url, e.message)
        }
        do {
            _ = try withTorchErrors { try net.loadStateDict(tensors) }
        } catch {
            throw TensorIOError(url, "\(error)")
        }
        net.to(device: device)
        net.eval().freeze()
        return net
    }
}
