import Foundation
import XCTest
import Torch
@testable import NN

final class LayerTests: XCTestCase {
    func testLinearMatchesLoopFormula() {
        var rng = SplitMix64(seed: 1)
        let (n, inF, outF) = (3, 5, 4)
        let layer = Linear(inF, outF)
        let w = rng.values(outF * inF), b = rng.values(outF), x = rng.values(n * inF)
        assign(layer.weight, w)
        assign(layer.bias!, b)
        var expected = [Double](repeating: 0, count: n * outF)
        for r in 0..<n {
            for o in 0..<outF {
                var s = b[o]
                for i in 0..<inF { s += x[r * inF + i] * w[o * inF + i] }
                expected[r * outF + o] = s
            }
        }
        let y = layer(makeTensor(x, [n, inF]))
        XCTAssertEqual(y.shape, [n, outF])
        assertClose(y.doubles(), expected, "linear")

        let noBias = Linear(inF, outF, bias: false)
        XCTAssertNil(noBias.bias)
        XCTAssertEqual(noBias.stateDict().map(\.name), ["weight"])
    }

    /// Reference convolution: y[n,o,i,j] = b[o] + Σ_c Σ_ki Σ_kj x[n, g·cpg + c, i·s − p + ki·d, j·s − p + kj·d]·w[o,c,ki,kj].
    private func referenceConv(x: [Double], xShape: [Int], w: [Double], wShape: [Int], b: [Double],
                               stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int),
                               groups: Int) -> (values: [Double], shape: [Int]) {
        let (n, cin, h, wd) = (xShape[0], xShape[1], xShape[2], xShape[3])
        let (cout, cpg, kh, kw) = (wShape[0], wShape[1], wShape[2], wShape[3])
        XCTAssertEqual(cpg * groups, cin)
        let ho = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let wo = (wd + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        let outPerGroup = cout / groups
        var out = [Double](repeating: 0, count: n * cout * ho * wo)
        for bn in 0..<n {
            for o in 0..<cout {
                let g = o / outPerGroup
                for i in 0..<ho {
                    for j in 0..<wo {
                        var s = b[o]
                        for c in 0..<cpg {
                            for ki in 0..<kh {
                                for kj in 0..<kw {
                                    let yi = i * stride.0 - padding.0 + ki * dilation.0
                                    let xj = j * stride.1 - padding.1 + kj * dilation.1
                                    guard yi >= 0, yi < h, xj >= 0, xj < wd else { continue }
                                    s += x[flatIndex([bn, g * cpg + c, yi, xj], xShape)]
                                        * w[flatIndex([o, c, ki, kj], wShape)]
                                }
                            }
                        }
                        out[flatIndex([bn, o, i, j], [n, cout, ho, wo])] = s
                    }
                }
            }
        }
        return (out, [n, cout, ho, wo])
    }

    func testConv2dMatchesLoopFormula() {
        var rng = SplitMix64(seed: 2)
        let configs: [(cin: Int, cout: Int, k: (Int, Int), s: (Int, Int), p: (Int, Int), d: (Int, Int), g: Int)] = [
            (3, 4, (3, 3), (1, 1), (1, 1), (1, 1), 1),
            (4, 6, (3, 2), (2, 1), (1, 2), (1, 2), 2),
            (4, 4, (1, 1), (2, 2), (0, 0), (1, 1), 4),
        ]
        for cfg in configs {
            let conv = Conv2d(cfg.cin, cfg.cout, kernelSize: cfg.k, stride: cfg.s, padding: cfg.p, dilation: cfg.d,
                              groups: cfg.g)
            let wShape = [cfg.cout, cfg.cin / cfg.g, cfg.k.0, cfg.k.1]
            XCTAssertEqual(conv.weight.shape, wShape)
            let w = rng.values(wShape.reduce(1, *)), b = rng.values(cfg.cout)
            assign(conv.weight, w)
            assign(conv.bias!, b)
            let xShape = [2, cfg.cin, 7, 6]
            let x = rng.values(xShape.reduce(1, *))
            let expected = referenceConv(x: x, xShape: xShape, w: w, wShape: wShape, b: b, stride: cfg.s,
                                         padding: cfg.p, dilation: cfg.d, groups: cfg.g)
            let y = conv(makeTensor(x, xShape))
            XCTAssertEqual(y.shape, expected.shape, "\(cfg)")
            assertClose(y.doubles(), expected.values, "conv \(cfg)")
        }
        let square = Conv2d(2, 3, kernelSize: 3, stride: 2, padding: 1, bias: false)
        XCTAssertEqual(square.weight.shape, [3, 2, 3, 3])
        XCTAssertEqual(square(Tensor.zeros([1, 2, 8, 8])).shape, [1, 3, 4, 4])
        XCTAssertNil(square.bias)
    }

    func testBatchNorm2dTrainingAndEvalMatchFormula() {
        var rng = SplitMix64(seed: 3)
        let shape = [3, 2, 2, 3]
        let (c, hw) = (2, 6)
        let bn = BatchNorm2d(c, momentum: 0.1)
        XCTAssertEqual(bn.stateDict().map(\.name), ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        XCTAssertEqual(bn.numBatchesTracked!.dtype, .int64)
        XCTAssertEqual(bn.numBatchesTracked!.shape, [])
        let gamma = [1.5, -0.5], beta = [0.25, 2.0]
        assign(bn.weight!, gamma)
        assign(bn.bias!, beta)

        var runningMean = [0.0, 0.0], runningVar = [1.0, 1.0]
        for batch in 1...2 {
            let x = rng.values(shape.reduce(1, *)).map { $0 * 3 + 1 }
            let stats = channelStats(x, shape)
            var expected = x
            for i in 0..<x.count {
                let ch = (i / hw) % c
                expected[i] = (x[i] - stats.mean[ch]) / (stats.biased[ch] + 1e-5).squareRoot() * gamma[ch] + beta[ch]
            }
            let y = bn(makeTensor(x, shape))
            assertClose(y.doubles(), expected, "train output \(batch)")
            for ch in 0..<c {
                runningMean[ch] = 0.9 * runningMean[ch] + 0.1 * stats.mean[ch]
                runningVar[ch] = 0.9 * runningVar[ch] + 0.1 * stats.unbiased[ch]
            }
            assertClose(bn.runningMean!.doubles(), runningMean, "running mean \(batch)")
            assertClose(bn.runningVar!.doubles(), runningVar, "running var \(batch)")
            XCTAssertEqual(bn.numBatchesTracked!.int64s(), [Int64(batch)])
        }

        bn.eval()
        let x = rng.values(shape.reduce(1, *))
        var expected = x
        for i in 0..<x.count {
            let ch = (i / hw) % c
            expected[i] = (x[i] - runningMean[ch]) / (runningVar[ch] + 1e-5).squareRoot() * gamma[ch] + beta[ch]
        }
        assertClose(bn(makeTensor(x, shape)).doubles(), expected, "eval output")
        assertClose(bn.runningMean!.doubles(), runningMean, "eval leaves running mean")
        XCTAssertEqual(bn.numBatchesTracked!.int64s(), [2], "eval does not count batches")
    }

    func testBatchNormCumulativeAverageWithoutMomentum() {
        var rng = SplitMix64(seed: 4)
        let shape = [4, 1, 2, 2]
        let bn = BatchNorm2d(1, momentum: nil)
        var means: [Double] = [], vars: [Double] = []
        for _ in 0..<3 {
            let x = rng.values(16)
            let stats = channelStats(x, shape)
            means.append(stats.mean[0])
            vars.append(stats.unbiased[0])
            _ = bn(makeTensor(x, shape))
        }
        // With momentum None, PyTorch's running statistics are the plain average of all batch statistics.
        assertClose(bn.runningMean!.doubles(), [means.reduce(0, +) / 3], "cumulative mean")
        assertClose(bn.runningVar!.doubles(), [vars.reduce(0, +) / 3], "cumulative var")
    }

    func testBatchNorm1dOnFeatures() {
        var rng = SplitMix64(seed: 5)
        let bn = BatchNorm1d(3, affine: false)
        XCTAssertEqual(bn.stateDict().map(\.name), ["running_mean", "running_var", "num_batches_tracked"])
        let x = rng.values(12)
        let y = bn(makeTensor(x, [4, 3])).doubles()
        for f in 0..<3 {
            let col = (0..<4).map { x[$0 * 3 + f] }
            let mu = col.reduce(0, +) / 4
            let v = col.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / 4
            assertClose((0..<4).map { y[$0 * 3 + f] }, col.map { ($0 - mu) / (v + 1e-5).squareRoot() }, "feature \(f)")
        }
        let untracked = BatchNorm2d(2, trackRunningStats: false).eval()
        XCTAssertTrue(untracked.stateDict().map(\.name) == ["weight", "bias"])
        let z = untracked(makeTensor(rng.values(16), [2, 2, 2, 2])).doubles()
        // Batch statistics even in eval: each channel comes out with zero mean.
        XCTAssertEqual(z.enumerated().filter { ($0.offset / 4) % 2 == 0 }.map(\.element).reduce(0, +), 0, accuracy: 1e-5)
    }

    func testGroupNormMatchesFormula() {
        var rng = SplitMix64(seed: 6)
        let shape = [2, 6, 3, 2]
        let (groups, c, hw) = (3, 6, 6)
        let gn = GroupNorm(groups, c, eps: 1e-5)
        let gamma = rng.values(c), beta = rng.values(c)
        assign(gn.weight!, gamma)
        assign(gn.bias!, beta)
        let x = rng.values(shape.reduce(1, *))
        var expected = x
        let cpg = c / groups
        for n in 0..<2 {
            for g in 0..<groups {
                let idx = (0..<cpg).flatMap { ci in (0..<hw).map { ((n * c) + g * cpg + ci) * hw + $0 } }
                let mu = idx.reduce(0) { $0 + x[$1] } / Double(idx.count)
                let v = idx.reduce(0) { $0 + (x[$1] - mu) * (x[$1] - mu) } / Double(idx.count)
                for i in idx {
                    let ch = (i / hw) % c
                    expected[i] = (x[i] - mu) / (v + 1e-5).squareRoot() * gamma[ch] + beta[ch]
                }
            }
        }
        assertClose(gn(makeTensor(x, shape)).doubles(), expected, "group norm")
    }

    func testLayerNormMatchesFormula() {
        var rng = SplitMix64(seed: 7)
        let ln = LayerNorm([3, 4])
        XCTAssertEqual(ln.weight!.shape, [3, 4])
        let gamma = rng.values(12), beta = rng.values(12)
        assign(ln.weight!, gamma)
        assign(ln.bias!, beta)
        let x = rng.values(2 * 12)
        var expected = x
        for n in 0..<2 {
            let row = Array(x[(n * 12)..<(n * 12 + 12)])
            let mu = row.reduce(0, +) / 12
            let v = row.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / 12
            for k in 0..<12 { expected[n * 12 + k] = (row[k] - mu) / (v + 1e-5).squareRoot() * gamma[k] + beta[k] }
        }
        assertClose(ln(makeTensor(x, [2, 3, 4])).doubles(), expected, "layer norm")
        XCTAssertNil(LayerNorm(4, elementwiseAffine: false).weight)
    }

    func testPReLUSharedAndPerChannel() {
        var rng = SplitMix64(seed: 8)
        let x = rng.values(2 * 3 * 2 * 2)
        let shared = PReLU()
        XCTAssertEqual(shared.weight.floats(), [0.25])
        assertClose(shared(makeTensor(x, [2, 3, 2, 2])).doubles(), x.map { $0 >= 0 ? $0 : 0.25 * $0 }, "shared")

        let perChannel = PReLU(numParameters: 3)
        let slopes = [0.1, -0.2, 0.7]
        assign(perChannel.weight, slopes)
        let expected = x.enumerated().map { i, v in v >= 0 ? v : slopes[(i / 4) % 3] * v }
        assertClose(perChannel(makeTensor(x, [2, 3, 2, 2])).doubles(), expected, "per channel")
    }

    func testStatelessLayers() {
        var rng = SplitMix64(seed: 9)
        let x = rng.values(1 * 1 * 4 * 4)
        let t = makeTensor(x, [1, 1, 4, 4])
        func at(_ i: Int, _ j: Int) -> Double { x[i * 4 + j] }
        var maxExpected: [Double] = [], avgExpected: [Double] = []
        for i in 0..<2 {
            for j in 0..<2 {
                let window = [at(2 * i, 2 * j), at(2 * i, 2 * j + 1), at(2 * i + 1, 2 * j), at(2 * i + 1, 2 * j + 1)]
                maxExpected.append(window.max()!)
                avgExpected.append(window.reduce(0, +) / 4)
            }
        }
        assertClose(MaxPool2d(kernelSize: 2)(t).doubles(), maxExpected, "max pool")
        assertClose(AvgPool2d(kernelSize: 2)(t).doubles(), avgExpected, "avg pool")
        assertClose(AdaptiveAvgPool2d(2)(t).doubles(), avgExpected, "adaptive avg pool")
        assertClose(AdaptiveAvgPool2d(1)(t).doubles(), [x.reduce(0, +) / 16], "global avg pool")
        XCTAssertEqual(Flatten()(Tensor.zeros([2, 3, 4, 5])).shape, [2, 60])
        assertClose(ReLU()(t).doubles(), x.map { Swift.max($0, 0) }, "relu")
        assertClose(LeakyReLU(negativeSlope: 0.2)(t).doubles(), x.map { $0 >= 0 ? $0 : 0.2 * $0 }, "leaky relu")
        assertClose(Sigmoid()(t).doubles(), x.map { 1 / (1 + Foundation.exp(-$0)) }, "sigmoid")
        assertClose(Tanh()(t).doubles(), x.map { Foundation.tanh($0) }, "tanh")
        assertClose(Identity()(t).doubles(), x, "identity")
    }

    func testDropoutScalesInTrainingAndPassesInEval() {
        Torch.manualSeed(11)
        let dropout = Dropout(p: 0.25)
        let x = Tensor.ones([4000])
        let y = dropout(x).doubles()
        let kept = y.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { Swift.abs($0 - 1 / 0.75) < 1e-6 }, "survivors scaled by 1/(1-p)")
        XCTAssertEqual(Double(kept.count) / 4000, 0.75, accuracy: 0.03)
        dropout.eval()
        XCTAssertEqual(dropout(x).doubles(), [Double](repeating: 1, count: 4000))
    }

    func testSequentialChainsLayersInOrder() {
        var rng = SplitMix64(seed: 12)
        let a = Linear(3, 4), b = Linear(4, 2)
        let seq = Sequential(a, LeakyReLU(negativeSlope: 0.2), b, Sigmoid())
        let x = makeTensor(rng.values(6), [2, 3])
        let manual = b(a(x).leakyReLU(0.2)).sigmoid()
        XCTAssertEqual(seq(x).floats(), manual.floats())
        XCTAssertEqual(seq.count, 4)
        XCTAssertTrue(seq[2] === b)
    }

    func testDefaultInitialisationBounds() {
        Torch.manualSeed(13)
        let linear = Linear(400, 300)
        let bound = 1 / 400.0.squareRoot()
        let w = linear.weight.doubles()
        XCTAssertLessThanOrEqual(w.map(Swift.abs).max()!, bound)
        // U(−b, b) has standard deviation b/√3.
        let std = (w.reduce(0) { $0 + $1 * $1 } / Double(w.count)).squareRoot()
        XCTAssertEqual(std, bound / 3.0.squareRoot(), accuracy: bound * 0.02)
        XCTAssertLessThanOrEqual(linear.bias!.doubles().map(Swift.abs).max()!, bound)
        XCTAssertTrue(linear.weight.requiresGrad)

        let conv = Conv2d(8, 16, kernelSize: 3, groups: 2)
        let convBound = 1 / Double(4 * 9).squareRoot()
        XCTAssertLessThanOrEqual(conv.weight.doubles().map(Swift.abs).max()!, convBound)
        XCTAssertGreaterThan(conv.weight.doubles().map(Swift.abs).max()!, convBound * 0.9)
        XCTAssertLessThanOrEqual(conv.bias!.doubles().map(Swift.abs).max()!, convBound)
    }

    func testInitHelpers() {
        Torch.manualSeed(14)
        let t = Tensor.zeros([200, 100, 3, 3])
        let fanIn = 900.0, fanOut = 1800.0
        func std(_ t: Tensor) -> Double {
            let v = t.doubles()
            let mu = v.reduce(0, +) / Double(v.count)
            return (v.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(v.count)).squareRoot()
        }
        XCTAssertEqual(Init.fans([200, 100, 3, 3]).fanIn, 900)
        XCTAssertEqual(Init.fans([200, 100, 3, 3]).fanOut, 1800)
        Init.kaimingNormal(t, nonlinearity: .relu)
        XCTAssertEqual(std(t), (2 / fanIn).squareRoot(), accuracy: 0.01 * (2 / fanIn).squareRoot())
        Init.kaimingNormal(t, mode: .fanOut, nonlinearity: .relu)
        XCTAssertEqual(std(t), (2 / fanOut).squareRoot(), accuracy: 0.01 * (2 / fanOut).squareRoot())
        Init.xavierUniform(t, gain: 2)
        let xb = 2 * (6 / (fanIn + fanOut)).squareRoot()
        XCTAssertLessThanOrEqual(t.doubles().map(Swift.abs).max()!, xb)
        XCTAssertEqual(std(t), xb / 3.0.squareRoot(), accuracy: 0.01 * xb)
        Init.normal(t, mean: 0, std: 0.02)
        XCTAssertEqual(std(t), 0.02, accuracy: 0.0005)
        Init.ones(t)
        XCTAssertEqual(Set(t.doubles()), [1])
        Init.zeros(t)
        XCTAssertEqual(Set(t.doubles()), [0])
        XCTAssertEqual(Init.gain(for: .leakyReLU(negativeSlope: 0.2)), (2 / 1.04).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(Init.gain(for: .tanh), 5.0 / 3.0)

        // Works on a parameter that requires grad (in place, under no-grad).
        let p = Tensor.zeros([3, 3]).requiresGrad(true)
        Init.kaimingUniform(p)
        XCTAssertTrue(p.requiresGrad)
        XCTAssertNotEqual(p.doubles(), [Double](repeating: 0, count: 9))
    }
}
