import XCTest
@testable import Models
import NN
import Torch

/// Each StyleGAN2 block against an independent definition on small random inputs.
final class StyleGAN2BlockTests: XCTestCase {
    var rng = SplitMix64(state: 11)

    /// upfirdn2d written out as loops: zero-insert, pad (negative crops), true convolution, decimate.
    func directUpFirDn(_ x: [Float], h: Int, w: Int, k: [Float], kh: Int, kw: Int, up: Int, down: Int,
                       pad: (Int, Int, Int, Int)) -> (values: [Float], h: Int, w: Int) {
        let uh = h * up, uw = w * up
        let (x0, x1, y0, y1) = pad
        let ph = uh + y0 + y1, pw = uw + x0 + x1
        func padded(_ i: Int, _ j: Int) -> Float {
            let ui = i - y0, uj = j - x0
            guard ui >= 0, uj >= 0, ui < uh, uj < uw, ui % up == 0, uj % up == 0 else { return 0 }
            return x[(ui / up) * w + uj / up]
        }
        let oh = (ph - kh) / down + 1, ow = (pw - kw) / down + 1
        var out = [Float]()
        for oi in 0..<oh {
            for oj in 0..<ow {
                var s: Float = 0
                for a in 0..<kh {
                    for b in 0..<kw {
                        // convolution: kernel flipped relative to correlation
                        s += padded(oi * down + a, oj * down + b) * k[(kh - 1 - a) * kw + (kw - 1 - b)]
                    }
                }
                out.append(s)
            }
        }
        return (out, oh, ow)
    }

    func testUpFirDnAgainstLoops() {
        let h = 5, w = 4
        let x = rng.floats(h * w)
        let k = rng.floats(12)  // asymmetric 3×4 kernel: catches a missing flip
        for (up, down, pad) in [(1, 1, (1, 2, 0, 1)), (2, 1, (2, 1, 2, 1)), (1, 2, (1, 1, 2, 2)), (2, 2, (-1, 0, 1, -1))] {
            let r = directUpFirDn(x, h: h, w: w, k: k, kh: 3, kw: 4, up: up, down: down, pad: pad)
            let out = upfirdn2d(Tensor(x, shape: [1, 1, h, w]), kernel: Tensor(k, shape: [3, 4]), up: up, down: down, pad: pad)
            XCTAssertEqual(out.shape, [1, 1, r.h, r.w], "up \(up) down \(down)")
            assertClose(out.floats(), r.values)
        }
    }

    func testBlurKernelIsNormalisedOuterProduct() {
        let k = makeBlurKernel([1, 3, 3, 1]).floats()
        let taps: [Float] = [1, 3, 3, 1]
        var expected = [Float]()
        for a in taps { for b in taps { expected.append(a * b / 64) } }
        assertClose(k, expected)
    }

    func testEqualLinearScales() {
        let layer = EqualLinear(3, 2, biasInit: 0.5, lrMultiplier: 0.1)
        let x = Tensor(rng.floats(6), shape: [2, 3])
        let w = layer.weight.floats(), xv = x.floats(), b = layer.bias!.floats()
        var expected = [Float]()
        for i in 0..<2 { for o in 0..<2 {
            var s: Float = 0
            for j in 0..<3 { s += xv[i * 3 + j] * w[o * 3 + j] * (0.1 / Float(3).squareRoot()) }
            expected.append(s + b[o] * 0.1)
        } }
        assertClose(layer(x).floats(), expected)
        // with activation: leaky ReLU 0.2 then × √2
        let act = EqualLinear(3, 2, activation: true)
        let y = Functional.linear(x, weight: act.weight / Double(3).squareRoot()).floats()
        assertClose(act(x).floats(), y.map { ($0 >= 0 ? $0 : 0.2 * $0) * Float(2).squareRoot() })
    }

    func testMappingIsPixelNormThenAffineChain() {
        let g = Generator(GeneratorConfig(size: 8, styleDim: 4, mappingLayers: 2, channels: [4: 4, 8: 4]))
        let z = Tensor(rng.floats(8), shape: [2, 4])
        var h = z.floats()
        for r in 0..<2 {
            let row = Array(h[(r * 4)..<(r * 4 + 4)])
            let ms = row.map { $0 * $0 }.reduce(0, +) / 4
            for j in 0..<4 { h[r * 4 + j] = row[j] / (ms + 1e-8).squareRoot() }
        }
        for l in 1...2 {
            let w = g.tensor(at: "style.\(l).weight")!.floats(), b = g.tensor(at: "style.\(l).bias")!.floats()
            var next = [Float]()
            for r in 0..<2 { for o in 0..<4 {
                var s: Float = b[o] * 0.01
                for j in 0..<4 { s += h[r * 4 + j] * w[o * 4 + j] * 0.01 / 2 }
                next.append((s >= 0 ? s : 0.2 * s) * Float(2).squareRoot())
            } }
            h = next
        }
        assertClose(g.mapping(z).floats(), h, atol: 1e-5)
    }

    func testDemodulatedWeightsHaveUnitNorm() {
        let conv = ModulatedConv2d(3, 5, kernelSize: 3, styleDim: 4)
        let style = Tensor.randn([2, 4])
        let s = conv.modulation(style).view([2, 1, 3, 1, 1])
        let w = conv.weight * conv.scale * s
        let demod = w * (w.square().sum(dims: [2, 3, 4]) + 1e-8).rsqrt().view([2, 5, 1, 1, 1])
        assertClose(demod.square().sum(dims: [2, 3, 4]).floats(), [Float](repeating: 1, count: 10), atol: 1e-5)
    }

    func testModulationStrategiesAgree() {
        for (up, down) in [(false, false), (true, false), (false, true)] {
            let conv = ModulatedConv2d(3, 4, kernelSize: 3, styleDim: 6, upsample: up, downsample: down)
            let x = Tensor.randn([2, 3, 8, 8]), style = Tensor.randn([2, 6])
            conv.strategy = .groupedConv
            let a = conv(x, style: style)
            conv.strategy = .activationScaling
            let b = conv(x, style: style)
            XCTAssertEqual(a.shape, b.shape)
            XCTAssertLessThan(maxAbsDiff(a, b), 1e-4, "up \(up) down \(down)")
        }
    }

    func testUpsamplingConvEqualsZeroInsertionConvThenBlur() {
        // Per sample: modulated+demodulated weight, zero insertion, conv with the flipped kernel (padding k-1),
        // then the ×4 blur with pad (1, 1): the reference's transposed-conv path, written out independently.
        let conv = ModulatedConv2d(2, 3, kernelSize: 3, styleDim: 4, upsample: true)
        let x = Tensor.randn([1, 2, 4, 4]), style = Tensor.randn([1, 4])
        let s = conv.modulation(style).view([1, 1, 2, 1, 1])
        var w = conv.weight * conv.scale * s
        w = w * (w.square().sum(dims: [2, 3, 4]) + 1e-8).rsqrt().view([1, 3, 1, 1, 1])
        let zeroInserted = upfirdn2d(x, kernel: Tensor([1] as [Float], shape: [1, 1]), up: 2, pad: (0, 0, 0, 0))
        // the transposed conv output is (H-1)·2 + k = 9: zero-insert to 8, pad k-1 = 2 left and 2-1 = 1 right
        let padded = Functional.pad(zeroInserted, [2, 1, 2, 1])
        let convOut = Functional.conv2d(padded, weight: w.squeeze(dim: 0).flip([2, 3]))
        let expected = upfirdn2d(convOut, kernel: makeBlurKernel([1, 3, 3, 1]) * 4, pad: (1, 1, 1, 1))
        let actual = conv(x, style: style)
        XCTAssertEqual(actual.shape, [1, 3, 8, 8])
        XCTAssertLessThan(maxAbsDiff(actual, expected), 1e-5)
    }

    func testNoiseInjectionModes() {
        let g = Generator(GeneratorConfig(size: 8, styleDim: 4, mappingLayers: 1, channels: [4: 4, 8: 4]))
        for c in [g.conv1] + Array(g.convs) { c.noise.weight.detach().fill_(0.5) }
        let w = Tensor.randn([1, g.latentCount, 4])
        let constA = g.synthesis(w, noise: .const), constB = g.synthesis(w, noise: .const)
        XCTAssertEqual(constA.floats(), constB.floats())
        let r1 = g.synthesis(w, noise: .random), r2 = g.synthesis(w, noise: .random)
        XCTAssertGreaterThan(maxAbsDiff(r1, r2), 0)
        // 'none' equals const with zeroed noise buffers
        let none = g.synthesis(w, noise: .none)
        for (_, b) in g.noises.namedBuffers() { b.zero_() }
        XCTAssertLessThan(maxAbsDiff(none, g.synthesis(w, noise: .const)), 1e-6)
    }

    func testLatentCountsAndShapes() {
        for size in [4, 8, 64, 256, 1024] {
            let c = GeneratorConfig(size: size)
            XCTAssertEqual(c.latentCount, 2 * Int(log2(Double(size))) - 2)
        }
        let g = Generator(GeneratorConfig(size: 16, styleDim: 8, mappingLayers: 1, channels: [4: 8, 8: 8, 16: 4]))
        XCTAssertEqual(g.latentCount, 6)
        XCTAssertEqual(g.synthesis(Tensor.randn([2, 6, 8])).shape, [2, 3, 16, 16])
        XCTAssertNotNil(g.tensor(at: "noises.noise_4"))
        XCTAssertEqual(g.tensor(at: "noises.noise_4")!.shape, [1, 1, 16, 16])
        XCTAssertNotNil(g.tensor(at: "convs.0.conv.blur.kernel"))
        XCTAssertNotNil(g.tensor(at: "to_rgbs.1.upsample.kernel"))
    }

    func testHookSeesEveryStageCoarseToFine() {
        let g = Generator(GeneratorConfig(size: 16, styleDim: 8, mappingLayers: 1, channels: [4: 8, 8: 8, 16: 4]))
        var seen: [String] = []
        let w = Tensor.randn([1, 6, 8])
        let plain = g.synthesis(w)
        let hooked = g.synthesis(w) { r, p, f in
            seen.append("\(r):\(p.rawValue):\(f.size(2))")
            return f
        }
        XCTAssertEqual(seen, ["4:after_conv0:4", "4:after_conv1:4", "8:after_conv0:8", "8:after_conv1:8", "16:after_conv0:16", "16:after_conv1:16"])
        XCTAssertEqual(plain.floats(), hooked.floats())
        let changed = g.synthesis(w) { r, p, f in r == 8 && p == .afterConv0 ? f * 0 : f }
        XCTAssertGreaterThan(maxAbsDiff(changed, plain), 0)
    }
}
