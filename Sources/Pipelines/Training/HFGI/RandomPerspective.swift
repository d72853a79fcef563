import Foundation
import Torch

/// The distortion augmentation HFGI trains ADA with: torchvision's `RandomPerspective(distortion_scale, p)` applied
/// to the whole distortion-map batch (`pSp.grid_transform(res_gt)`), as torchvision 0.8 (HFGI's environment)
/// computes it on tensors.
///
/// One draw per batch: with probability `p` every sample gets the same perspective (torchvision draws one set of
/// corners for a 4-D tensor), otherwise the batch passes unchanged. Each corner moves inwards by a whole number of
/// pixels, up to `scale`·(half the size). The warp is bilinear `grid_sample` with zero padding, align_corners false;
/// torchvision 0.8 ignores `fill` for tensors, so the uncovered border is 0.
public struct RandomPerspective: Equatable {
    /// Where the image's corners land in the output, in pixels (x, y): top-left, top-right, bottom-right,
    /// bottom-left; nil = identity (the batch is not warped).
    public let endpoints: [[Int]]?
    public let width: Int
    public let height: Int

    public init(endpoints: [[Int]]?, width: Int, height: Int) {
        self.endpoints = endpoints
        self.width = width
        self.height = height
    }

    /// The image's own corners, as torchvision names them: (0, 0), (w−1, 0), (w−1, h−1), (0, h−1).
    public var startpoints: [[Int]] { [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]] }

    /// Draws as torchvision's `forward` + `get_params` do, in the same order, from libtorch's seeded generator:
    /// one uniform against `p`, then eight `randint`s (x then y, corners TL, TR, BR, BL).
    public static func draw(width w: Int, height h: Int, scale: Double, probability p: Double) -> RandomPerspective {
        guard Tensor.rand([1]).item() < Double(Float(p)) else { return RandomPerspective(endpoints: nil, width: w, height: h) }
        let dx = Int(scale * Double(w / 2)), dy = Int(scale * Double(h / 2))
        func draw(_ low: Int, _ high: Int) -> Int { Int(Tensor.randint(low, high, [1]).item()) }
        let topLeft = [draw(0, dx + 1), draw(0, dy + 1)]
        let topRight = [draw(w - dx - 1, w), draw(0, dy + 1)]
        let bottomRight = [draw(w - dx - 1, w), draw(h - dy - 1, h)]
        let bottomLeft = [draw(0, dx + 1), draw(h - dy - 1, h)]
        return RandomPerspective(endpoints: [topLeft, topRight, bottomRight, bottomLeft], width: w, height: h)
    }

    /// torchvision's `_get_perspective_coeffs`: the eight coefficients (a…h) of the homography taking output
    /// positions (endpoints) to input positions (startpoints), x_in = (a·x + b·y + c)/(g·x + h·y + 1),
    /// y_in = (d·x + e·y + f)/(g·x + h·y + 1). Four point pairs determine it exactly (torchvision solves the same
    /// 8×8 system by least squares in float32; here in float64).
    public static func coefficients(from endpoints: [[Int]], to startpoints: [[Int]]) -> [Double] {
        func points(_ p: [[Int]]) -> [(Double, Double)] { p.map { (Double($0[0]), Double($0[1])) } }
        return FourPointHomography.coefficients(from: points(endpoints), to: points(startpoints))
    }

    /// torchvision's `_perspective_grid`: each output pixel centre (i + 0.5, j + 0.5) mapped through the
    /// coefficients, then normalised as x/(w/2) − 1 (align_corners false). H×W×2, float64.
    func grid() -> Tensor? {
        guard let endpoints else { return nil }
        let c = RandomPerspective.coefficients(from: endpoints, to: startpoints)
        let (w, h) = (width, height)
        let xs = Tensor.arange(0, Double(w), dtype: .float64) + 0.5
        let ys = Tensor.arange(0, Double(h), dtype: .float64) + 0.5
        let gx = xs.unsqueeze(dim: 0).expand([h, w]), gy = ys.unsqueeze(dim: 1).expand([h, w])
        let denominator = gx * c[6] + gy * c[7] + 1
        let xIn = (gx * c[0] + gy * c[1] + c[2]) / denominator
        let yIn = (gx * c[3] + gy * c[4] + c[5]) / denominator
        return Tensor.stack([xIn / (0.5 * Double(w)) - 1, yIn / (0.5 * Double(h)) - 1], dim: 2)
    }

    /// Warps an N×C×H×W batch (H×W must be the size drawn for); the identity returns `x` itself.
    public func apply(_ x: Tensor) -> Tensor {
        precondition(x.size(2) == height && x.size(3) == width, "RandomPerspective drawn for \(width)×\(height), applied to \(x.shape)")
        guard let g = grid() else { return x }
        let batchGrid = g.to(x.dtype, device: x.device).unsqueeze(dim: 0).expand([x.size(0), height, width, 2])
        return Functional.gridSample(x, grid: batchGrid, mode: .bilinear, padding: .zeros, alignCorners: false)
    }
}
