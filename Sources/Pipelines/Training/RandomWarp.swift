import Foundation
import Torch

/// GradStyle's misalignment augmentation: a random geometric warp A (perspective + affine) whose ground truth is
/// known. A warp is a 3×3 homography per sample in normalised coordinates ([-1, 1], align_corners false) mapping
/// output positions to the input positions they sample from; the same warp applies to images and to feature maps of
/// any resolution.
public struct RandomWarp {
    /// N×3×3 homographies.
    public let matrices: Tensor

    /// Draws warps for `count` samples from libtorch's seeded generator. With strength s: shift up to ±s (of the
    /// half-width), scale in [1−s, 1+s], rotation up to ±s·45°, corner jitter up to ±s/2 (perspective).
    /// s = 0.15 matches HFGI's distortion scale.
    public static func random(count: Int, strength s: Double) -> RandomWarp {
        random(strengths: Array(repeating: s, count: count))
    }

    /// One warp per entry of `strengths` (0 gives the identity), drawn as `random(count:strength:)` draws them.
    public static func random(strengths: [Double]) -> RandomWarp {
        let count = strengths.count
        let u = Tensor.rand([count, 12], dtype: .float64).doubles().map { 2 * $0 - 1 }
        var all: [Double] = []
        for i in 0..<count {
            let s = strengths[i]
            let r = Array(u[(i * 12)..<(i * 12 + 12)])
            let angle = r[0] * s * Double.pi / 4, scale = 1 + r[1] * s
            let tx = r[2] * s, ty = r[3] * s
            let affine = [scale * Foundation.cos(angle), -scale * Foundation.sin(angle), tx,
                          scale * Foundation.sin(angle), scale * Foundation.cos(angle), ty,
                          0, 0, 1]
            let corners: [(Double, Double)] = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
            let moved = corners.enumerated().map { j, c in (c.0 + r[4 + 2 * j] * s / 2, c.1 + r[5 + 2 * j] * s / 2) }
            let perspective = homography(from: corners, to: moved)
            all += multiply(affine, perspective)
        }
        return RandomWarp(matrices: Tensor(all, shape: [count, 3, 3]))
    }

    /// The identity warp (tests).
    public static func identity(count: Int) -> RandomWarp {
        RandomWarp(matrices: Tensor.eye(3, dtype: .float64).unsqueeze(dim: 0).repeat([count, 1, 1]))
    }

    public init(matrices: Tensor) { self.matrices = matrices }

    /// Sampling grid N×H×W×2 for an output of size h×w.
    public func grid(height h: Int, width w: Int, device: Device) -> Tensor {
        let n = matrices.size(0)
        let xs = Tensor.arange(0, Double(w), dtype: .float64) * (2 / Double(w)) + (1 / Double(w) - 1)
        let ys = Tensor.arange(0, Double(h), dtype: .float64) * (2 / Double(h)) + (1 / Double(h) - 1)
        let gx = xs.unsqueeze(dim: 0).expand([h, w]), gy = ys.unsqueeze(dim: 1).expand([h, w])
        let base = Tensor.stack([gx, gy, Tensor.ones([h, w], dtype: .float64)], dim: 2).reshape([1, h * w, 3])
        let mapped = base.expand([n, h * w, 3]).bmm(matrices.transpose(1, 2))  // N×HW×3
        let xy = mapped.narrow(dim: 2, start: 0, length: 2) / mapped.narrow(dim: 2, start: 2, length: 1)
        return xy.reshape([n, h, w, 2]).to(.float32, device: device)
    }

    /// Warps N×C×H×W images or features (reflection at the borders, so no black corners are learned).
    public func apply(_ x: Tensor) -> Tensor {
        let g = grid(height: x.size(2), width: x.size(3), device: x.device).to(x.dtype)
        return Functional.gridSample(x, grid: g, mode: .bilinear, padding: .reflection, alignCorners: false)
    }

    /// Row-major 3×3 product.
    static func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
        var c = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { c[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j] } } }
        return c
    }

    /// The homography H (h33 = 1) with H·src_i ∝ dst_i for four point pairs.
    static func homography(from src: [(Double, Double)], to dst: [(Double, Double)]) -> [Double] {
        FourPointHomography.coefficients(from: src, to: dst) + [1]
    }
}
