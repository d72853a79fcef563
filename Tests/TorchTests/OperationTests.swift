import XCTest
@testable import Torch

/// Each operation against a direct formula on small inputs.
final class OperationTests: XCTestCase {
    var rng = SplitMix64(state: 42)

    func testConversionsRoundTrip() {
        let values: [Float] = [0.5, -1.25, 3, 1e-3, -7]
        let t = Tensor(values, shape: [5])
        XCTAssertEqual(t.shape, [5])
        XCTAssertEqual(t.dtype, .float32)
        XCTAssertEqual(t.floats(), values)
        XCTAssertEqual(t.to(.float64).doubles(), values.map(Double.init))
        XCTAssertEqual(t.to(.float16).floats(), values.map { Float(Float16($0)) })
        XCTAssertEqual(Tensor([3, -4] as [Int64]).int64s(), [3, -4])
        XCTAssertEqual(Tensor([true, false, true]).to(.int64).int64s(), [1, 0, 1])
        let host = t.reshape([1, 5]).hostTensor()
        XCTAssertEqual(host.shape, [1, 5])
        XCTAssertEqual(Tensor(host).floats(), values)
        XCTAssertEqual(Tensor(host.floats(), shape: host.shape).floats(), values)
    }

    func testBroadcastingArithmetic() {
        let a = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let b = Tensor([10, 20, 30] as [Float], shape: [3])
        XCTAssertEqual((a + b).floats(), [11, 22, 33, 14, 25, 36])
        XCTAssertEqual((a * b - a).floats(), [9, 38, 87, 36, 95, 174])
        XCTAssertEqual((1 - a).floats(), [0, -1, -2, -3, -4, -5])
        XCTAssertEqual((12 / a).floats(), [12, 6, 4, 3, 2.4, 2])
        XCTAssertEqual(a.pow(2).floats(), [1, 4, 9, 16, 25, 36])
        XCTAssertEqual(a.gt(3).to(.int64).int64s(), [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(a.clamp(min: 2, max: 4).floats(), [2, 2, 3, 4, 4, 4])
        XCTAssertEqual(a.leakyReLU(0.2).floats(), a.floats())
        XCTAssertEqual((-a).leakyReLU(0.5).floats(), [-0.5, -1, -1.5, -2, -2.5, -3])
    }

    func testReductions() {
        let v = rng.floats(24)
        let t = Tensor(v, shape: [2, 3, 4])
        // sum over dim 1 by hand
        var expected = [Float](repeating: 0, count: 8)
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { expected[i * 4 + k] += v[i * 12 + j * 4 + k] } } }
        assertClose(t.sum(dim: 1).floats(), expected)
        XCTAssertEqual(t.sum(dim: 1, keepDim: true).shape, [2, 1, 4])
        assertClose([Float(t.mean().item())], [v.reduce(0, +) / 24])
        XCTAssertEqual(Float(t.max().item()), v.max()!)
        let mean = v.reduce(0, +) / 24
        let unbiased = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 23
        assertClose([Float(t.variance().item())], [unbiased])
        assertClose([Float(t.norm().item())], [v.map { $0 * $0 }.reduce(0, +).squareRoot()])
        XCTAssertEqual(Tensor([1, 5, 2] as [Float]).argmax(dim: 0).int64s(), [1])
    }

    func testMatmulAgainstLoops() {
        let a = rng.floats(6), b = rng.floats(12)
        let c = Tensor(a, shape: [2, 3]).matmul(Tensor(b, shape: [3, 4])).floats()
        var expected = [Float](repeating: 0, count: 8)
        for i in 0..<2 { for j in 0..<4 { for k in 0..<3 { expected[i * 4 + j] += a[i * 3 + k] * b[k * 4 + j] } } }
        assertClose(c, expected)
    }

    func testConv2dAgainstDirectFormula() {
        let (n, cin, h, w, cout, k) = (2, 3, 5, 6, 4, 3)
        let x = rng.floats(n * cin * h * w), wt = rng.floats(cout * cin * k * k), bias = rng.floats(cout)
        let (stride, pad) = (2, 1)
        let out = Functional.conv2d(Tensor(x, shape: [n, cin, h, w]), weight: Tensor(wt, shape: [cout, cin, k, k]),
                                    bias: Tensor(bias), stride: (stride, stride), padding: (pad, pad))
        let oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1
        XCTAssertEqual(out.shape, [n, cout, oh, ow])
        var expected = [Float]()
        for b in 0..<n { for o in 0..<cout { for i in 0..<oh { for j in 0..<ow {
            var s = bias[o]
            for c in 0..<cin { for u in 0..<k { for v in 0..<k {
                let y = i * stride - pad + u, xx = j * stride - pad + v
                if y >= 0 && y < h && xx >= 0 && xx < w {
                    s += x[((b * cin + c) * h + y) * w + xx] * wt[((o * cin + c) * k + u) * k + v]
                }
            } } }
            expected.append(s)
        } } } }
        assertClose(out.floats(), expected, atol: 1e-5)
    }

    func testGroupedConvEqualsPerGroupConvs() {
        let x = Tensor.randn([1, 4, 5, 5]), w = Tensor.randn([6, 2, 3, 3])
        let grouped = Functional.conv2d(x, weight: w, padding: (1, 1), groups: 2)
        let parts = (0..<2).map { g in
            Functional.conv2d(x.narrow(dim: 1, start: 2 * g, length: 2), weight: w.narrow(dim: 0, start: 3 * g, length: 3),
                              padding: (1, 1))
        }
        assertClose(grouped.floats(), Tensor.cat(parts, dim: 1).floats(), atol: 1e-5)
    }

    func testTransposedConvEqualsZeroInsertionPlusConv() {
        // conv_transpose2d(x, w, stride 2) == conv2d(zero-inserted x, flipped transposed w, padding k-1).
        let x = Tensor.randn([1, 2, 3, 3]), w = Tensor.randn([2, 3, 3, 3])  // (in, out, k, k)
        let up = Functional.convTranspose2d(x, weight: w, stride: (2, 2))
        let z = Tensor.zeros([1, 2, 5, 5])
        let xs = x.floats()
        var zv = z.floats()
        for c in 0..<2 { for i in 0..<3 { for j in 0..<3 { zv[(c * 5 + 2 * i) * 5 + 2 * j] = xs[(c * 3 + i) * 3 + j] } } }
        let wFlipped = w.transpose(0, 1).flip([2, 3])
        let direct = Functional.conv2d(Tensor(zv, shape: [1, 2, 5, 5]), weight: wFlipped, padding: (2, 2))
        XCTAssertEqual(up.shape, [1, 3, 7, 7])
        assertClose(up.floats(), direct.floats(), atol: 1e-5)
    }

    func testSoftmaxAndTopK() {
        let v = rng.floats(10)
        let s = Tensor(v, shape: [2, 5]).softmax(dim: 1).floats()
        for r in 0..<2 {
            let row = v[(r * 5)..<(r * 5 + 5)]
            let m = row.max()!
            let e = row.map { Foundation.exp($0 - m) }
            let z = e.reduce(0, +)
            assertClose(Array(s[(r * 5)..<(r * 5 + 5)]), e.map { $0 / z })
        }
        let (values, indices) = Tensor([3, 1, 4, 1, 5, 9, 2, 6] as [Float]).topk(3)
        XCTAssertEqual(values.floats(), [9, 6, 5])
        XCTAssertEqual(indices.int64s(), [5, 7, 4])
    }

    func testInterpolationModes() {
        let x = Tensor.arange(0, 16).reshape([1, 1, 4, 4])
        // area down-scaling by 2 is the mean of each 2×2 block
        XCTAssertEqual(Functional.interpolate(x, size: (2, 2), mode: .area).floats(), [2.5, 4.5, 10.5, 12.5])
        // nearest up-scaling repeats pixels
        let up = Functional.interpolate(Tensor([1, 2, 3, 4] as [Float], shape: [1, 1, 2, 2]), size: (4, 4), mode: .nearest)
        XCTAssertEqual(up.floats(), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        // bilinear on a linear ramp with align_corners stays a linear ramp
        let ramp = Tensor([0, 3] as [Float], shape: [1, 1, 1, 2])
        assertClose(Functional.interpolate(ramp, size: (1, 4), mode: .bilinear, alignCorners: true).floats(), [0, 1, 2, 3])
        // antialiased bilinear down-scaling of a constant image stays constant
        let c = Functional.interpolate(Tensor.full([1, 3, 8, 8], 0.25), size: (3, 3), mode: .bilinear, antialias: true)
        assertClose(c.floats(), [Float](repeating: 0.25, count: 27))
    }

    func testPadding() {
        let x = Tensor([1, 2, 3] as [Float], shape: [1, 1, 3])
        XCTAssertEqual(Functional.pad(x, [2, 1], mode: .reflect).floats(), [3, 2, 1, 2, 3, 2])
        XCTAssertEqual(Functional.pad(x, [1, 1], mode: .replicate).floats(), [1, 1, 2, 3, 3])
        XCTAssertEqual(Functional.pad(x, [1, 0], value: 9).floats(), [9, 1, 2, 3])
    }

    func testIdentityAffineGridSampleIsIdentity() {
        let x = Tensor.randn([2, 3, 5, 7])
        let theta = Tensor([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0] as [Float], shape: [2, 2, 3])
        let grid = Functional.affineGrid(theta, size: [2, 3, 5, 7], alignCorners: false)
        let y = Functional.gridSample(x, grid: grid, alignCorners: false)
        assertClose(y.floats(), x.floats(), atol: 1e-5)
    }

    func testNormsAgainstFormula() {
        let v = rng.floats(2 * 4 * 3)
        let x = Tensor(v, shape: [2, 4, 3])
        let ln = Functional.layerNorm(x, normalizedShape: [3], weight: nil, bias: nil).floats()
        for r in 0..<8 {
            let row = Array(v[(r * 3)..<(r * 3 + 3)])
            let m = row.reduce(0, +) / 3
            let varb = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 3
            assertClose(Array(ln[(r * 3)..<(r * 3 + 3)]), row.map { ($0 - m) / (varb + 1e-5).squareRoot() }, atol: 1e-4)
        }
    }

    func testShapeOps() {
        let t = Tensor.arange(0, 24).reshape([2, 3, 4])
        XCTAssertEqual(t.permute([2, 0, 1]).shape, [4, 2, 3])
        XCTAssertEqual(t.flatten(startDim: 1).shape, [2, 12])
        XCTAssertEqual(t[1].shape, [3, 4])
        XCTAssertEqual(t.chunk(2, dim: 2).map { $0.shape }, [[2, 3, 2], [2, 3, 2]])
        XCTAssertEqual(t.split(sizes: [1, 2], dim: 1).map { $0.shape }, [[2, 1, 4], [2, 2, 4]])
        XCTAssertEqual(Tensor.stack([Tensor.ones([2]), Tensor.zeros([2])], dim: 1).floats(), [1, 0, 1, 0])
        XCTAssertEqual(t.indexSelect(dim: 2, index: Tensor(indices: [3, 0])).narrow(dim: 0, start: 0, length: 1)
            .narrow(dim: 1, start: 0, length: 1).floats(), [3, 0])
        XCTAssertEqual(Tensor([1, 2, 3] as [Float]).maskedFill(Tensor([true, false, true]), -1).floats(), [-1, 2, -1])
    }

    func testSeedingIsReproducibleAndStateRestores() {
        Torch.manualSeed(7)
        let a = Tensor.randn([5]).floats()
        Torch.manualSeed(7)
        XCTAssertEqual(Tensor.randn([5]).floats(), a)
        let state = Torch.cpuRNGState
        let b = Tensor.rand([4]).floats()
        Torch.cpuRNGState = state
        XCTAssertEqual(Tensor.rand([4]).floats(), b)
        XCTAssertNotEqual(Tensor.rand([4]).floats(), b)
    }

    func testSymmetricEigen() {
        let m = Tensor([2, 1, 1, 2] as [Double], shape: [2, 2])
        let (values, vectors) = m.symmetricEigen()
        assertClose(values.doubles(), [1, 3])
        // A v = λ v for each column
        let av = m.matmul(vectors).doubles(), vl = (vectors * values).doubles()
        assertClose(av, vl, atol: 1e-12)
    }

    /// [[3, 0], [4, 5]]: AᵀA = [[25, 20], [20, 25]] has eigenvalues 45 and 5, so σ = √45, √5 (descending); a
    /// rank-1 3×2 outer product has one zero singular value, to round-off.
    func testSingularValues() {
        let a = Tensor([3, 0, 4, 5] as [Double], shape: [2, 2])
        assertClose(a.singularValues().doubles(), [Double(45).squareRoot(), Double(5).squareRoot()], atol: 1e-12)
        let u = Tensor([1, -2, 0.5] as [Double], shape: [3, 1]), v = Tensor([2, 3] as [Double], shape: [1, 2])
        let rank1 = u.matmul(v).singularValues().doubles()
        assertClose(rank1, [Double(5.25 * 13).squareRoot(), 0], atol: 1e-12)
    }

    func testDescription() {
        XCTAssertEqual(Tensor([1, 2] as [Float]).description, "Tensor([2], float32, cpu) [1, 2]")
    }
}
