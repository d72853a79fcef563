import Torch

/// Multi-head attention within a square window around each query position (neighbourhood attention): query p sees
/// the keys at p + (dy, dx), |dy|, |dx| ≤ window/2, that lie inside the map. Edits move content locally at fine
/// stages, and the cost is O(N · window²) instead of O(N²): at 64² with a 7×7 window, 49 keys per query instead of
/// 4,096. The window itself is the selection, so the softmax runs over all of it.
public enum WindowAttention {
    /// Offsets (dy, dx) of a window, row-major, as the last dimension of the logits is ordered.
    public static func offsets(window: Int) -> [(Int, Int)] {
        let r = window / 2
        return (-r...r).flatMap { dy in (-r...r).map { dx in (dy, dx) } }
    }

    /// The initial relative-position bias, heads × window²: −½·(dy² + dx²), so that before training each query
    /// leans towards its own position (the answer where nothing moved) and still sees its neighbours.
    public static func initialBias(heads: Int, window: Int) -> Tensor {
        let row = offsets(window: window).map { -0.5 * Float($0.0 * $0.0 + $0.1 * $0.1) }
        return Tensor(Array(repeating: row, count: heads).flatMap { $0 }, shape: [heads, window * window])
    }

    /// 1 where the offset stays inside the H×W map, 0 where it falls in the padding: 1×1×H×W×window².
    static func validity(height h: Int, width w: Int, window: Int, device: Device) -> Tensor {
        let r = window / 2
        let ones = Tensor.ones([1, 1, h, w], device: device)
        return windows(Functional.pad(ones, [r, r, r, r]), window: window).reshape([1, 1, h, w, window * window])
    }

    /// The window around every position of a padded B×C×(H+2r)×(W+2r) map: B×C×H×W×window×window (a view).
    static func windows(_ padded: Tensor, window: Int) -> Tensor {
        padded.unfold(dim: 2, size: window, step: 1).unfold(dim: 3, size: window, step: 1)
    }

    /// Queries q and keys k: B×heads×d×H×W; values v: B×heads×dv×H×W; bias: heads×window² (or nil).
    /// Returns B×heads×dv×H×W.
    public static func attend(queries q: Tensor, keys k: Tensor, values v: Tensor, window: Int, bias: Tensor?) -> Tensor {
        let s = q.shape
        let (b, heads, d, h, w) = (s[0], s[1], s[2], s[3], s[4])
        let r = window / 2, area = window * window
        func neighbourhoods(_ t: Tensor) -> Tensor {
            let c = t.size(2)
            let padded = Functional.pad(t.reshape([b, heads * c, h, w]), [r, r, r, r])
            return windows(padded, window: window).reshape([b, heads, c, h, w, area])
        }
        var logits = (q.unsqueeze(dim: -1) * neighbourhoods(k)).sum(dims: [2]) / Double(d).squareRoot()  // B×heads×H×W×area
        if let bias { logits = logits + bias.reshape([1, heads, 1, 1, area]) }
        let valid = validity(height: h, width: w, window: window, device: q.device)
        let weights = logits.maskedFill(valid.eq(0), -Double.infinity).softmax(dim: -1)
        return (weights.unsqueeze(dim: 2) * neighbourhoods(v)).sum(dims: [-1])
    }
}
