import NN
import Torch

/// FIR filtering with StyleGAN2's [1,3,3,1] kernel and explicit padding. The kernel is a persistent buffer named
/// `kernel`, as in the reference checkpoints.
public final class Blur: Module, Layer {
    public let kernel: Tensor
    public let pad: (Int, Int)

    public init(taps: [Float] = [1, 3, 3, 1], pad: (Int, Int), upsampleFactor: Int = 1) {
        var k = makeBlurKernel(taps)
        if upsampleFactor > 1 { k = k * Double(upsampleFactor * upsampleFactor) }
        kernel = k
        self.pad = pad
        super.init()
        registerBuffer("kernel", kernel)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        upfirdn2d(x, kernel: kernel, pad: (pad.0, pad.1, pad.0, pad.1))
    }
}

/// Upsampling by 2 with the FIR kernel (ToRGB's skip path).
public final class Upsample: Module, Layer {
    public let kernel: Tensor
    public let factor: Int
    public let pad: (Int, Int)

    public init(taps: [Float] = [1, 3, 3, 1], factor: Int = 2) {
        kernel = makeBlurKernel(taps) * Double(factor * factor)
        self.factor = factor
        let p = taps.count - factor
        pad = ((p + 1) / 2 + factor - 1, p / 2)
        super.init()
        registerBuffer("kernel", kernel)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        upfirdn2d(x, kernel: kernel, up: factor, pad: (pad.0, pad.1, pad.0, pad.1))
    }
}

/// Downsampling by 2 with the FIR kernel.
public final class Downsample: Module, Layer {
    public let kernel: Tensor
    public let factor: Int
    public let pad: (Int, Int)

    public init(taps: [Float] = [1, 3, 3, 1], factor: Int = 2) {
        kernel = makeBlurKernel(taps)
        self.factor = factor
        let p = taps.count - factor
        pad = ((p + 1) / 2, p / 2)
        super.init()
        registerBuffer("kernel", kernel)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        upfirdn2d(x, kernel: kernel, down: factor, pad: (pad.0, pad.1, pad.0, pad.1))
    }
}
