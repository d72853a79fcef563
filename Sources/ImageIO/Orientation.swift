extension RasterImage {
    /// The image as displayed under an EXIF orientation tag (1...8). 1 and unknown values return `self`.
    /// 2 mirror left-right, 3 rotate 180°, 4 mirror top-bottom, 5 transpose, 6 rotate 90° clockwise,
    /// 7 transverse, 8 rotate 90° counter-clockwise — the rotation a viewer applies to the stored pixels.
    public func applyingEXIFOrientation(_ orientation: Int) -> RasterImage {
        guard (2...8).contains(orientation) else { return self }
        let w = width, h = height
        let swapsAxes = orientation >= 5
        let outWidth = swapsAxes ? h : w, outHeight = swapsAxes ? w : h
        // For each displayed pixel (dx, dy), the stored pixel it shows.
        let source: (Int, Int) -> (Int, Int)
        switch orientation {
        case 2: source = { dx, dy in (w - 1 - dx, dy) }
        case 3: source = { dx, dy in (w - 1 - dx, h - 1 - dy) }
        case 4: source = { dx, dy in (dx, h - 1 - dy) }
        case 5: source = { dx, dy in (dy, dx) }
        case 6: source = { dx, dy in (dy, h - 1 - dx) }
        case 7: source = { dx, dy in (w - 1 - dy, h - 1 - dx) }
        default: source = { dx, dy in (w - 1 - dy, dx) }
        }
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for dy in 0..<outHeight {
                    for dx in 0..<outWidth {
                        let (sx, sy) = source(dx, dy)
                        let from = (sy * w + sx) * channels, to = (dy * outWidth + dx) * channels
                        for c in 0..<channels { dst[to + c] = src[from + c] }
                    }
                }
            }
        }
        return RasterImage(unchecked: outWidth, outHeight, channels, out)
    }
}
