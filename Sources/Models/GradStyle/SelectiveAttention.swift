import Torch

/// Multi-head attention over all positions of a stage, with GradStyle's Selective Attention: per query only the
/// top-k logits survive (k = ceil(select_ratio · N), at least 1), the rest are masked to −∞ before the softmax, so
/// irrelevant regions get exactly zero weight. Computed in query chunks: memory is O(chunk · N) instead of O(N²),
/// and each query row is independent, so the result is identical to the dense computation.
public enum SelectiveAttention {
    /// Attention probabilities B×H×Nq×Nk for queries q (B×H×Nq×d) and keys k (B×H×Nk×d).
    public static func weights(queries q: Tensor, keys k: Tensor, kind: AttentionKind, topK: Int) -> Tensor {
        let d = Double(q.size(-1))
        let logits = q.matmul(k.transpose(-2, -1)) / d.squareRoot()
        switch kind {
        case .full:
            return logits.softmax(dim: -1)
        case .selective:
            let n = logits.size(-1)
            if topK >= n { return logits.softmax(dim: -1) }
            // Mask everything below each row's k-th largest logit (a comparison and a fill: far cheaper than
            // scattering the top-k into a fresh −∞ tensor). Exact ties at the k-th value would all be kept; with
            // continuous logits that does not happen in practice.
            let kth = logits.detach().topk(topK, dim: -1, largest: true, sorted: false).values.min(dims: [-1], keepDim: true)
            return logits.maskedFill(logits.lt(kth), -Double.infinity).softmax(dim: -1)
        }
    }

    /// out = weights(q, k) · v, in chunks of `chunk` queries. q: B×H×Nq×d, k: B×H×Nk×d, v: B×H×Nk×dv.
    public static func attend(queries q: Tensor, keys k: Tensor, values v: Tensor, kind: AttentionKind, topK: Int,
                              chunk: Int) -> Tensor {
        let nq = q.size(2)
        if nq <= chunk { return weights(queries: q, keys: k, kind: kind, topK: topK).matmul(v) }
        let parts = stride(from: 0, to: nq, by: chunk).map { start in
            let qc = q.narrow(dim: 2, start: start, length: Swift.min(chunk, nq - start))
            return weights(queries: qc, keys: k, kind: kind, topK: topK).matmul(v)
        }
        return Tensor.cat(parts, dim: 2)
    }
}
