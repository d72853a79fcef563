import Torch

/// The project's one crop rule, for inputs and training data alike: torchvision's `Resize(R)` + `CenterCrop(R)`
/// (rosinality's `prepare_data.py`) on tensors: the shorter side is resized to R (the longer one to
/// ⌊R · long / short⌋) with antialiased bilinear filtering, then the centre R×R is cut
/// (top = round((H − R) / 2), left = round((W − R) / 2), rounding halves to even as Python does).
public enum SquareCrop {
    /// `image`: N×C×H×W. Images already R×R pass through unchanged.
    public static func apply(_ image: Tensor, resolution r: Int) -> Tensor {
        precondition(image.rank == 4 && r > 0, "SquareCrop: expected N×C×H×W and a positive resolution")
        let h = image.size(2), w = image.size(3)
        if h == r && w == r { return image }
        let (newH, newW) = h <= w ? (r, Swift.max(r, w * r / h)) : (Swift.max(r, h * r / w), r)
        var x = image
        if newH != h || newW != w {
            x = Functional.interpolate(image, size: (newH, newW), mode: .bilinear, alignCorners: false, antialias: true)
        }
        // Python's round (half to even), as torchvision computes the offsets.
        let top = Int((Double(newH - r) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(newW - r) / 2).rounded(.toNearestOrEven))
        return x.narrow(dim: 2, start: top, length: r).narrow(dim: 3, start: left, length: r)
    }
}
