import NN
import Torch

/// Group count for GroupNorm on `channels`: 32 where it divides, else the largest divisor ≤ 32.
func normGroups(_ channels: Int) -> Int {
    for g in stride(from: Swift.min(32, channels), through: 1, by: -1) where channels % g == 0 { return g }
    return 1
}

/// One Aligner block of the Global Alignment Module: the edited generator feature asks (query) where, in the
/// unaligned residual F_m (key and value), the details for each of its positions are, and gathers them:
/// A(p) = Σ_q a(p, q) · V(F_m)(q), with Selective Attention over all positions of the stage, or within a window
/// around p at the fine stages (`WindowAttention`). The gathered values are refined by a pre-normalised conv
/// feed-forward with a residual connection.
///
/// How A becomes the aligned residual F'_m is `AlignerPath` (GRADSTYLE.md, "what the first implementation taught
/// us"): the first design used A alone, so reproducing F_m where nothing moved had to be learnt; the motion gate
/// (default) keeps F_m wherever the edited feature equals the reconstruction feature and lets A replace it only
/// where the layout changed.
public final class Aligner: Module {
    public let heads: Int
    public let headDim: Int
    public let attention: AttentionKind
    public let keySource: KeySource
    public let positionEncoding: PositionEncoding
    public let path: AlignerPath
    /// Attention window side, or nil for attention over all positions.
    public let window: Int?
    let normQuery: GroupNorm
    let normKey: GroupNorm
    let normValue: GroupNorm
    let toQuery: Conv2d
    let toKey: Conv2d
    let toValue: Conv2d
    let project: Conv2d
    let normFeedForward: GroupNorm
    let feedForward: Sequential
    /// scalar_gate: γ, starting at 0.
    let gamma: Tensor?
    /// motion_gate: conv3×3 of f_edi − f_rec to one channel (no bias, so equal features give exactly 0).
    let motionGate: Conv2d?
    /// relative positions: bias per head and window offset.
    let relativeBias: Tensor?

    public init(channels c: Int, heads: Int, headDim: Int, attention: AttentionKind, keySource: KeySource,
                positionEncoding: PositionEncoding = .none, path: AlignerPath = .attention, window: Int? = nil) {
        self.positionEncoding = positionEncoding
        self.path = path
        self.window = window
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
        gamma = path == .scalarGate ? Tensor.zeros([1]) : nil
        motionGate = path == .motionGate ? Conv2d(c, 1, kernelSize: 3, padding: 1, bias: false) : nil
        relativeBias = window != nil && positionEncoding == .relative ? WindowAttention.initialBias(heads: heads, window: window!) : nil
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
        if let gamma { registerParameter("gamma", gamma) }
        if let motionGate { registerModule("motion_gate", motionGate) }
        if let relativeBias { registerParameter("relative_bias", relativeBias) }
    }

    /// Whether the block needs f_rec^m (keys from it, or the motion gate).
    public var needsReconstruction: Bool { keySource != .residual || path == .motionGate }

    /// B×C×H×W → B×heads×(H·W)×headDim
    func split(_ x: Tensor) -> Tensor {
        let s = x.shape
        return x.reshape([s[0], heads, headDim, s[2] * s[3]]).transpose(2, 3)
    }

    /// - query: the edited feature f_edi^m; residual: F_m (or the previous block's output); reconstruction: f_rec^m
    ///   (needed when `needsReconstruction`).
    public func callAsFunction(query: Tensor, residual: Tensor, reconstruction: Tensor?, selectRatio: Double,
                               chunk: Int) -> Tensor {
        let gathered = attend(query: query, residual: residual, reconstruction: reconstruction,
                              selectRatio: selectRatio, chunk: chunk)
        let a = gathered + feedForward(normFeedForward(gathered))
        switch path {
        case .attention:
            return a
        case .scalarGate:
            return residual + gamma!.reshape([1, 1, 1, 1]) * a
        case .motionGate:
            return residual + gate(query: query, reconstruction: reconstruction!) * (a - residual)
        }
    }

    /// g = tanh(conv3×3(f_edi − f_rec)²), N×1×H×W in [0, 1): 0 exactly where the features agree.
    public func gate(query: Tensor, reconstruction: Tensor) -> Tensor {
        motionGate!(query - reconstruction).square().tanh()
    }

    /// The attention-gathered residual, before the feed-forward.
    func attend(query: Tensor, residual: Tensor, reconstruction: Tensor?, selectRatio: Double, chunk: Int) -> Tensor {
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
        let q = toQuery(queryInput), k = toKey(keyNormed), v = toValue(normValue(residual))
        if let window {
            func heads5(_ t: Tensor) -> Tensor { t.reshape([s[0], heads, headDim, s[2], s[3]]) }
            let out = WindowAttention.attend(queries: heads5(q), keys: heads5(k), values: heads5(v), window: window,
                                             bias: relativeBias)
            return project(out.reshape([s[0], heads * headDim, s[2], s[3]]))
        }
        let n = s[2] * s[3]
        let topK = Swift.max(1, Swift.min(n, Int((selectRatio * Double(n)).rounded(.up))))
        let attended = SelectiveAttention.attend(queries: split(q), keys: split(k), values: split(v), kind: attention,
                                                 topK: topK, chunk: chunk)
        return project(attended.transpose(2, 3).reshape([s[0], heads * headDim, s[2], s[3]]))
    }
}

/// GAM at one stage: a stack of Aligner blocks.
public final class GlobalAlignmentModule: Module {
    public let blocks: ModuleList<Aligner>

    public init(channels: Int, resolution: Int, config: GradStyleConfig) {
        blocks = ModuleList((0..<config.alignerBlocks).map { _ in
            Aligner(channels: channels, heads: config.heads, headDim: config.headDim, attention: config.attention,
                    keySource: config.keySource, positionEncoding: config.positionEncoding ?? .none,
                    path: config.path, window: config.window(atStage: resolution))
        })
        super.init()
        registerModule("blocks", blocks)
    }

    public var needsReconstruction: Bool { blocks.contains { $0.needsReconstruction } }

    /// F'_m from F_m, aligned to the layout of `query`.
    public func callAsFunction(query: Tensor, residual: Tensor, reconstruction: Tensor?, config: GradStyleConfig) -> Tensor {
        blocks.reduce(residual) { r, block in
            block(query: query, residual: r, reconstruction: reconstruction, selectRatio: config.selectRatio,
                  chunk: config.attentionChunk)
        }
    }
}
