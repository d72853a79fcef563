import Foundation
import ImageIO
import TensorIO
import Torch

/// Conversions between image files and NCHW float tensors in [-1, 1] (DESIGN §5).
public enum ImageTensors {
    /// The images of an N×C×H×W tensor (values clamped to [-1, 1]).
    public static func rasterImages(_ batch: Tensor) throws -> [RasterImage] {
        let t = batch.detach().to(.float32, device: .cpu).contiguous()
        let s = t.shape
        guard s.count == 4, s[1] == 1 || s[1] == 3 || s[1] == 4 else {
            throw TorchError("expected N×{1,3,4}×H×W images, got \(s)")
        }
        let values = t.floats()
        let per = s[1] * s[2] * s[3]
        return try (0..<s[0]).map { i in
            try values.withUnsafeBufferPointer {
                try RasterImage(planar: UnsafeBufferPointer(rebasing: $0[(i * per)..<((i + 1) * per)]),
                                channels: s[1], height: s[2], width: s[3])
            }
        }
    }

    /// One image as a 1×3×H×W tensor (gray replicated, alpha composited over white).
    public static func tensor(_ image: RasterImage, device: Device = .cpu) -> Tensor {
        let rgb = image.toRGB(alpha: .overWhite)
        return Tensor(rgb.planarFloats(), shape: [1, 3, rgb.height, rgb.width], device: device)
    }

    /// Reads an image file as a 1×3×H×W tensor.
    public static func read(_ url: URL, device: Device = .cpu) throws -> Tensor {
        tensor(try ImageFile.read(url), device: device)
    }

    /// Writes each image of a batch to the given URLs (PNG/JPEG by extension), atomically.
    public static func write(_ batch: Tensor, to urls: [URL]) throws {
        let images = try rasterImages(batch)
        precondition(images.count == urls.count, "one URL per image")
        for (image, url) in zip(images, urls) { try ImageFile.write(image, to: url) }
    }
}
