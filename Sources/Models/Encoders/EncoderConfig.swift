import Foundation

/// Which encoder of the pSp family: pSp's `GradualStyleEncoder` (one independent code per W+ entry) or e4e's
/// `Encoder4Editing` (one code w0 plus progressive per-entry deltas).
public enum EncoderType: String, Codable, CaseIterable, Sendable {
    case psp
    case e4e

    /// The class name the references store in `opts.encoder_type`.
    public var referenceName: String {
        switch self {
        case .psp: return "GradualStyleEncoder"
        case .e4e: return "Encoder4Editing"
        }
    }

    public init?(referenceName: String) {
        guard let t = EncoderType.allCases.first(where: { $0.referenceName == referenceName }) else { return nil }
        self = t
    }
}

/// Everything needed to build a pSp / e4e encoder. Stored as JSON in our safetensors metadata under
/// `EncoderCheckpoint.configKey`, and inferred from the tensor shapes (plus `opts`) of the official `.pt` files.
///
/// Geometry: the backbone divides the input by 16, so at input size S the pyramid is c3 at S/16, p2 at S/8 and p1
/// at S/4 (16², 32², 64² for the official 256² input). Styles `0..<coarseIndex` read c3, `coarseIndex..<middleIndex`
/// read p2, the rest p1 (3 and 7 in the references, whatever the style count).
public struct EncoderConfig: Codable, Equatable, Sendable {
    public var type: EncoderType
    public var backbone: IRBackboneConfig
    /// Square input size in pixels (256 for the official models; a power of two ≥ 32).
    public var inputSize: Int
    /// W+ entries predicted: the generator's n_latent, 2·log2(size) − 2 (18 at 1024², 14 at 256², 10 at 64²).
    public var styleCount: Int
    /// Width of each code: the generator's style dim (512 for the official models).
    public var styleDim: Int
    public var coarseIndex: Int
    public var middleIndex: Int
    /// The codes are offsets from the generator's mean latent (pSp/e4e `start_from_latent_avg`).
    public var startFromLatentAvg: Bool
    /// Width of the map2style blocks' convs; nil (and absent from the stored JSON) is the references' choice, the
    /// style dim. The blocks hold nearly all of an encoder's weights (9·width² per conv, ~50 convs at 128²), so a
    /// small-domain encoder for a wide style dim narrows them.
    public var styleBlockWidth: Int?

    public init(type: EncoderType, backbone: IRBackboneConfig = .irSE50, inputSize: Int = 256, styleCount: Int,
                styleDim: Int = 512, coarseIndex: Int = 3, middleIndex: Int = 7, startFromLatentAvg: Bool = true,
                styleBlockWidth: Int? = nil) {
        self.type = type
        self.backbone = backbone
        self.inputSize = inputSize
        self.styleCount = styleCount
        self.styleDim = styleDim
        self.coarseIndex = coarseIndex
        self.middleIndex = middleIndex
        self.startFromLatentAvg = startFromLatentAvg
        // The references' width is stored as nil, so a file that uses it keeps the references' JSON.
        self.styleBlockWidth = styleBlockWidth == styleDim ? nil : styleBlockWidth
    }

    /// An encoder for a generator of `generatorSize` (its style count follows from the size).
    public init(type: EncoderType, generatorSize: Int, styleDim: Int = 512, backbone: IRBackboneConfig = .irSE50,
                inputSize: Int = 256, styleBlockWidth: Int? = nil) {
        self.init(type: type, backbone: backbone, inputSize: inputSize,
                  styleCount: EncoderConfig.styleCount(generatorSize: generatorSize), styleDim: styleDim,
                  styleBlockWidth: styleBlockWidth)
    }

    /// The official 256² IR-SE-50 configuration for a generator of `generatorSize`.
    public static func official(_ type: EncoderType, generatorSize: Int = 1024) -> EncoderConfig {
        EncoderConfig(type: type, generatorSize: generatorSize)
    }

    /// `2 * int(log2(size)) - 2`, as the references compute `style_count` / `n_styles`.
    public static func styleCount(generatorSize: Int) -> Int {
        2 * Int(log2(Double(generatorSize)).rounded(.down)) - 2
    }

    /// The spatial size of the feature style `index` reads (c3, p2 or p1).
    public func featureSize(forStyle index: Int) -> Int {
        index < coarseIndex ? inputSize / 16 : index < middleIndex ? inputSize / 8 : inputSize / 4
    }

    /// Channels of the FPN features (c3 and the lateral outputs): the last stage's width.
    public var pyramidChannels: Int { backbone.widths[3] }

    public func validate() throws {
        try backbone.validate()
        // At 16² the coarse and middle blocks would both have one conv, and the input size could not be read back.
        guard inputSize >= 32, inputSize <= 4096, inputSize & (inputSize - 1) == 0 else {
            throw ModelError("encoder input size \(inputSize) is not a power of two between 32 and 4096")
        }
        guard styleCount >= 1, styleDim >= 1 else {
            throw ModelError("encoder style count \(styleCount) and style dim \(styleDim) must be positive")
        }
        if let styleBlockWidth, !(1...65_536).contains(styleBlockWidth) {
            throw ModelError("encoder style block width \(styleBlockWidth) is not between 1 and 65536")
        }
        guard coarseIndex >= 1, middleIndex >= coarseIndex else {
            throw ModelError("encoder coarse/middle indices \(coarseIndex)/\(middleIndex) are not increasing")
        }
    }
}
