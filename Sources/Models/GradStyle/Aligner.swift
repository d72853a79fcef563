import NN
import Torch

/// Group count for GroupNorm on `channels`: 32 where it divides, else the largest divisor ≤ 32.
func normGroups(_ channels: Int) -> Int {
    for g in stride(from: Swift.min(32, channels), through: 1, by: -1) where channels % g == 0 { return g }
    return 1
}

/// One Aligner block of the Global Alignment Module: the edited generator feature asks (query) where, in the
/// unaligned residual F_m (key and value), the details for each of its positions are, and gathers them:
/// F'_m(p) = Σ_q a(p, q) · V(F_m)(q), with Selective Attention over all positions of the stage.
///
/// [D] No residual connection from the input F_m (it is misaligned by construction) nor from the query (a different
/// quantity); the attention output is refined by a pre-normalised conv feed-forward with a residual connection.
public final class Aligner: Module {
    public let heads: Int
    public let headDim: Int
    public let attention: AttentionKind
    public let keySource: KeySource
    public let positionEncoding: PositionEncoding
    let normQuery: GroupNorm
    let normKey: GroupNorm
    let normValue: GroupNorm
    let toQuery: Conv2d
    let toKey: Conv2d
    let toValue: Conv2d
    let project: Conv2d
    let normFeedForward: GroupNorm
    let feedForward: Sequential

    public init(channels c: Int, heads: Int, headDim: Int, attention: AttentionKind, keySource: KeySource,
                positionEncoding: PositionEncoding = .none) {
        self.positionEncoding = positionEncoding
        self.heads = heads
        self.headDim = headDim
        self.attention = attention
        self.keySource = keySource
        let inner = heads * headDim
        let keyChannels = keySource == .both ? 2 * c : c
        normQuery = GroupNorm(normGroups(c), c)
        normKey = GroupNorm(normGroups(keyChannels), keyChannels)
        normValue = GroupNorm(normGroups(c), c)
        toQuery = Conv2d(c, inner, kernelSize: 1)
        toKey = Conv2d(keyChannels, inner, kernelSize: 1)
        toValue = Conv2d(c, inner, kernelSize: 1)
        project = Conv2d(inner, c, kernelSize: 1)
        normFeedForward = GroupNorm(normGroups(c), c)
        feedForward = Sequential(Conv2d(c, 2 * c, kernelSize: 1), GELU(), Conv2d(2 * c, c, kernelSize: 3, padding: 1))
        super.init()
        registerModule("norm_q", normQuery)
        registerModule("norm_k", normKey)
        registerModule("norm_v", normValue)
        registerModule("to_q", toQuery)
        registerModule("to_k", toKey)
        registerModule("to_v", toValue)
        registerModule("proj", project)
        registerModule("norm_ff", normFeedForward)
        registerModule("ff", feedForward)
    }

    /// B×C×H×W → B×heads×(H·W)×headDim
    func split(_ x: Tensor) -> Tensor {
        let s = x.shape
        return x.reshape([s[0], heads, headDim, s[2] * s[3]]).transpose(2, 3)
    }

    /// - query: the edited feature f_edi^m; residual: F_m (or the previous block's output); reconstruction: f_rec^m
    ///   (needed when keys come from it).
    public func callAsFunction(query: Tensor, residual: Tensor, reconstruction: Tensor?, selectRatio: Double,
                               chunk: Int) -> Tensor {
        let s = residual.shape
        let keyInput: Tensor
        switch keySource {
        case .residual: keyInput = residual
        case .reconstruction: keyInput = reconstruction!
        case .both: keyInput = Tensor.cat([residual, reconstruction!], dim: 1)
        }
        var queryInput = normQuery(query), keyNormed = normKey(keyInput)
        if positionEncoding == .sinusoidal {
            let p = SinusoidalPosition.encoding(channels: s[1], height: s[2], width: s[3], device: query.device).to(query.dtype)
            queryInput = queryInput + p
            keyNormed = keyNormed + (keyNormed.size(1) == s[1] ? p : Tensor.cat([p, p], dim: 1))
        }
        let q = split(toQuery(queryInput))
        let k = split(toKey(keyNormed))
        let v = split(toValue(normValue(residual)))
        let n = s[2] * s[3]
        let topK = Swift.max(1, Swift.min(n, Int((selectRatio * Double(n)).rounded(.up))))
        let attended = SelectiveAttention.attend(queries: q, keys: k, values: v, kind: attention, topK: topK, chunk: chunk)
        let gathered = project(attended.transpose(2, 3).reshape([s[0], heads * headDim, s[2], s[3]]))
        return gathered + feedForward(normFeedForward(gathered))
    }
}

/// GELU as a layer (the Aligner's feed-forward).
public final class GELU: Module, Layer {
    public override init() { super.init() }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.gelu() }
}

/// GAM at one stage: a stack of Aligner blocks.
public final class GlobalAlignmentModule: Module {
    public let blocks: ModuleList<Aligner>

    public init(channels: Int, config: GradStyleConfig) {
        blocks = ModuleList((0..<config.alignerBlocks).map { _ in
            Aligner(channels: channels, heads: config.heads, headDim: config.headDim, attention: config.attention,
                    keySource: config.keySource, positionEncoding: config.positionEncoding ?? .none)
        })
        super.init()
        registerModule("blocks", blocks)
    }

    /// F'_m from F_m, aligned to the layout of `query`.
    public func callAsFunction(query: Tensor, residual: Tensor, reconstruction: Tensor?, config: GradStyleConfig) -> Tensor {
        blocks.reduce(residual) { r, block in
            block(query: query, residual: r, reconstruction: reconstruction, selectRatio: config.selectRatio,
                  chunk: config.attentionChunk)
        }
    }
}
