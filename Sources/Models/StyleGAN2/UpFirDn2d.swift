import Torch

/// StyleGAN2's resampling primitive: upsample by zero insertion, pad (negative pads crop), convolve with a 2-D FIR
/// kernel (a true convolution, i.e. the kernel flipped as the reference does), then keep every `down`-th sample.
/// `pad` is (x0, x1, y0, y1) as in the reference implementations.
public func upfirdn2d(_ x: Tensor, kernel: Tensor, up: Int = 1, down: Int = 1, pad: (Int, Int, Int, Int) = (0, 0, 0, 0)) -> Tensor {
    let s = x.shape
    let (n, c, h, w) = (s[0], s[1], s[2], s[3])
    let kh = kernel.size(0), kw = kernel.size(1)
    var out = x
    if up > 1 {
        // Zero insertion: each sample followed by up-1 zeros along both axes.
        out = Functional.pad(out.reshape([n, c, h, 1, w, 1]), [0, up - 1, 0, 0, 0, up - 1])
            .reshape([n, c, h * up, w * up])
    }
    let (x0, x1, y0, y1) = pad
    out = Functional.pad(out, [max(x0, 0), max(x1, 0), max(y0, 0), max(y1, 0)])
    if x0 < 0 || x1 < 0 || y0 < 0 || y1 < 0 {
        let ph = out.size(2), pw = out.size(3)
        out = out.narrow(dim: 2, start: max(-y0, 0), length: ph - max(-y0, 0) - max(-y1, 0))
            .narrow(dim: 3, start: max(-x0, 0), length: pw - max(-x0, 0) - max(-x1, 0))
    }
    // One depthwise convolution (groups = channels) — several times faster on CPUs than folding channels into the
    // batch — with the decimation done by the stride (the same samples as filtering then keeping every down-th).
    let weight = kernel.flip([0, 1]).reshape([1, 1, kh, kw]).to(x.dtype, device: x.device).expand([c, 1, kh, kw])
    return Functional.conv2d(out, weight: weight, stride: (down, down), groups: c)
}

/// The normalised 2-D FIR kernel from a 1-D one (outer product), as the references' `make_kernel`.
public func makeBlurKernel(_ taps: [Float]) -> Tensor {
    let k = Tensor(taps)
    let k2 = k.unsqueeze(dim: 1) * k.unsqueeze(dim: 0)
    return k2 / k2.sum()
}
