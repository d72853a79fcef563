import NN
import Torch

/// The network pSp's `GradualStyleEncoder` and e4e's `Encoder4Editing` share: an IR-SE backbone (`input_layer`,
/// `body`), a feature pyramid (`latlayer1`, `latlayer2`) and one map2style block per W+ entry (`styles.i`). The two
/// differ only in how codes are formed from the blocks' outputs (`codes(from:)`).
///
/// The pyramid: c1, c2, c3 are the outputs of the backbone's stages 2, 3, 4 (body indices 6, 20, 23 for IR-50 —
/// the references hard-code those indices; for other depths the stage ends are the same points);
/// p2 = up(c3) + latlayer1(c2), p1 = up(p2) + latlayer2(c1), with bilinear, align_corners upsampling.
public class FPNStyleEncoder: Module, StyleEncoder {
    public let config: EncoderConfig
    public let inputLayer: Sequential
    public let body: Sequential
    public let styles: ModuleList<GradualStyleBlock>
    public let latlayer1: Conv2d
    public let latlayer2: Conv2d

    public init(_ config: EncoderConfig) {
        self.config = config
        let b = config.backbone
        inputLayer = IRBackbone.inputLayer(b)
        body = IRBackbone.body(b)
        styles = ModuleList((0..<config.styleCount).map { i in
            GradualStyleBlock(inChannels: config.pyramidChannels, hiddenChannels: config.styleBlockWidth,
                              outChannels: config.styleDim, spatial: config.featureSize(forStyle: i))
        })
        latlayer1 = Conv2d(b.widths[2], b.widths[3], kernelSize: 1)
        latlayer2 = Conv2d(b.widths[1], b.widths[3], kernelSize: 1)
        super.init()
        registerModule("input_layer", inputLayer)
        registerModule("body", body)
        registerModule("styles", styles)
        registerModule("latlayer1", latlayer1)
        registerModule("latlayer2", latlayer2)
    }

    /// A pSp or e4e encoder, as `config.type` says.
    public static func make(_ config: EncoderConfig) -> FPNStyleEncoder {
        switch config.type {
        case .psp: return GradualStyleEncoder(config)
        case .e4e: return Encoder4Editing(config)
        }
    }

    public var latentCount: Int { config.styleCount }
    public var inputSize: Int { config.inputSize }

    /// c1, c2, c3 from the backbone and the FPN maps p2, p1.
    public func pyramid(_ x: Tensor) -> FeaturePyramid {
        precondition(x.rank == 4 && x.size(1) == config.backbone.inputChannels && x.size(2) == inputSize
                     && x.size(3) == inputSize,
                     "\(String(describing: type(of: self))): expected N×\(config.backbone.inputChannels)×\(inputSize)×\(inputSize) input, got \(x.shape)")
        let stages = IRBackbone.stageOutputs(body, inputLayer(x), stageEnds: config.backbone.stageEnds)
        let (c1, c2, c3) = (stages[1], stages[2], stages[3])
        let p2 = FPNStyleEncoder.upsampleAdd(c3, latlayer1(c2))
        let p1 = FPNStyleEncoder.upsampleAdd(p2, latlayer2(c1))
        return FeaturePyramid(c1: c1, c2: c2, c3: c3, p2: p2, p1: p1)
    }

    /// helpers.py `_upsample_add`: x resized bilinearly (align_corners) to y's size, plus y.
    public static func upsampleAdd(_ x: Tensor, _ y: Tensor) -> Tensor {
        Functional.interpolate(x, size: (y.size(2), y.size(3)), mode: .bilinear, alignCorners: true) + y
    }

    /// The pyramid level style `index` reads.
    public func feature(forStyle index: Int, in p: FeaturePyramid) -> Tensor {
        index < config.coarseIndex ? p.c3 : index < config.middleIndex ? p.p2 : p.p1
    }

    /// N × styleCount × styleDim codes from the pyramid; each subclass's own rule.
    public func codes(from pyramid: FeaturePyramid) -> Tensor {
        preconditionFailure("\(String(describing: type(of: self))) must override codes(from:)")
    }

    public func encode(_ x: Tensor) -> EncoderOutput {
        let p = pyramid(x)
        return EncoderOutput(codes: codes(from: p), pyramid: p)
    }

    /// The codes alone (relative to the mean latent when `config.startFromLatentAvg`).
    public func callAsFunction(_ x: Tensor) -> Tensor { encode(x).codes }
}
