import XCTest
@testable import Models
import Torch

final class WindowAttentionTests: XCTestCase {
    /// 1×channels×1×width with ones in one column.
    static func columnMask(width: Int, column: Int, channels: Int) -> Tensor {
        Tensor((0..<width).map { $0 == column ? Float(1) : 0 }, shape: [1, 1, 1, width]).expand([1, channels, 1, width])
    }

    /// The independent definition: dense attention over all positions with an explicit neighbourhood mask and the
    /// bias looked up per (query, key) pair by their offset.
    func dense(_ q: Tensor, _ k: Tensor, _ v: Tensor, window: Int, bias: [Float]?) -> Tensor {
        let s = q.shape
        let (b, heads, d, h, w) = (s[0], s[1], s[2], s[3], s[4])
        let n = h * w, r = window / 2
        var mask = [Float](repeating: -Float.infinity, count: heads * n * n)
        for head in 0..<heads {
            for p in 0..<n {
                for t in 0..<n {
                    let dy = t / w - p / w, dx = t % w - p % w
                    guard abs(dy) <= r, abs(dx) <= r else { continue }
                    let offset = (dy + r) * window + (dx + r)
                    mask[(head * n + p) * n + t] = bias?[head * window * window + offset] ?? 0
                }
            }
        }
        func flat(_ t: Tensor) -> Tensor { t.reshape([b, heads, t.size(2), n]).transpose(2, 3) }  // B×heads×N×c
        let logits = flat(q).matmul(flat(k).transpose(2, 3)) / Double(d).squareRoot() + Tensor(mask, shape: [1, heads, n, n])
        let out = logits.softmax(dim: -1).matmul(flat(v))  // B×heads×N×dv
        return out.transpose(2, 3).reshape([b, heads, v.size(2), h, w])
    }

    func testWindowAttentionEqualsMaskedDenseAttention() {
        Torch.manualSeed(4)
        for (h, w, window) in [(5, 7, 3), (6, 6, 5), (4, 9, 1), (3, 3, 7)] {
            let q = Tensor.randn([2, 3, 4, h, w]), k = Tensor.randn([2, 3, 4, h, w]), v = Tensor.randn([2, 3, 5, h, w])
            let bias = Tensor.randn([3, window * window])
            for useBias in [false, true] {
                let got = WindowAttention.attend(queries: q, keys: k, values: v, window: window, bias: useBias ? bias : nil)
                let want = dense(q, k, v, window: window, bias: useBias ? bias.floats() : nil)
                XCTAssertLessThan(maxAbsDiff(got, want), 1e-5, "\(h)×\(w) window \(window) bias \(useBias)")
            }
        }
    }

    /// A window that covers the whole map from every position is plain full attention.
    func testAWindowCoveringTheMapIsFullAttention() {
        let q = Tensor.randn([1, 2, 4, 4, 5]), k = Tensor.randn([1, 2, 4, 4, 5]), v = Tensor.randn([1, 2, 3, 4, 5])
        let got = WindowAttention.attend(queries: q, keys: k, values: v, window: 9, bias: nil)
        func flat(_ t: Tensor) -> Tensor { t.reshape([1, 2, t.size(2), 20]).transpose(2, 3) }
        let full = SelectiveAttention.weights(queries: flat(q), keys: flat(k), kind: .full, topK: 20).matmul(flat(v))
        XCTAssertLessThan(maxAbsDiff(got, full.transpose(2, 3).reshape([1, 2, 3, 4, 5])), 1e-5)
    }

    func testInitialBiasPrefersTheSamePosition() {
        let b = WindowAttention.initialBias(heads: 2, window: 3).floats()
        XCTAssertEqual(Array(b[0..<9]), [-1, -0.5, -1, -0.5, 0, -0.5, -1, -0.5, -1])
        XCTAssertEqual(Array(b[9..<18]), Array(b[0..<9]))
    }

    func testGradientsMatchTheDenseDefinition() {
        let q = Tensor.randn([1, 2, 3, 4, 4]).requiresGrad(true), k = Tensor.randn([1, 2, 3, 4, 4]).requiresGrad(true)
        let v = Tensor.randn([1, 2, 3, 4, 4]).requiresGrad(true)
        WindowAttention.attend(queries: q, keys: k, values: v, window: 3, bias: nil).square().sum().backward()
        let got = [q, k, v].map { $0.grad!.clone() }
        let q2 = q.detach().requiresGrad(true), k2 = k.detach().requiresGrad(true), v2 = v.detach().requiresGrad(true)
        dense(q2, k2, v2, window: 3, bias: nil).square().sum().backward()
        for (a, b) in zip(got, [q2, k2, v2].map { $0.grad! }) { XCTAssertLessThan(maxAbsDiff(a, b), 1e-4) }
    }
}
