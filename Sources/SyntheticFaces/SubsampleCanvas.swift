import ImageIO

/// What a shader puts at one sub-sample: a colour with opacity and the regions it belongs to.
/// `alpha` 1 replaces what is below (colour and regions); 0 < alpha < 1 blends and adds its regions;
/// alpha 0 with regions only marks the sub-sample as belonging to those regions too (a zone marker).
struct Paint {
    var color: FaceColor
    var alpha: Float
    var regions: RegionBits

    init(_ color: FaceColor, _ alpha: Float = 1, _ regions: RegionBits) {
        self.color = color
        self.alpha = alpha
        self.regions = regions
    }
}

/// A supersampled canvas: `size·ss` × `size·ss` sub-samples of colour plus a region byte each. Shapes are
/// point-sampled at sub-sample centres and box-filtered down to `size` × `size` output pixels (anti-aliasing).
/// The region byte tracks, per sub-sample, which regions the visible colour came from, so a pixel's region mask
/// is exact: a pixel's colour can only depend on what painted one of its sub-samples.
///
/// Painters work in *layout* units; the canvas shows the layout zoomed by `zoom` about `focus` (so the framing
/// can change without touching the painters): canvas = focus + (layout − focus) · zoom, 1 = the image's width.
struct SubsampleCanvas {
    let size: Int
    let ss: Int
    let n: Int
    let invN: Float
    let zoom: Float
    let focus: SIMD2<Float>
    var color: [Float]
    var regions: [UInt8]

    init(size: Int, supersampling ss: Int, zoom: Float = 1, focus: SIMD2<Float> = SIMD2(0.5, 0.5)) {
        self.size = size
        self.ss = ss
        n = size * ss
        invN = 1 / Float(n)
        self.zoom = zoom
        self.focus = focus
        color = [Float](repeating: 0, count: n * n * 3)
        regions = [UInt8](repeating: 0, count: n * n)
    }

    /// The sub-sample index range covering layout interval [lo, hi] along an axis whose focus is `f`.
    @inline(__always) func range(_ lo: Float, _ hi: Float, focus f: Float) -> Range<Int> {
        let clo = f + (lo - f) * zoom, chi = f + (hi - f) * zoom
        let a = max(0, Int((clo * Float(n) - 0.5).rounded(.down)))
        let b = min(n, Int((chi * Float(n) - 0.5).rounded(.up)) + 1)
        return a < b ? a..<b : 0..<0
    }

    /// Runs `shader` at every sub-sample centre in the layout box [x0, x1] × [y0, y1] (the shader gets layout
    /// coordinates) and composites what it returns (nil: nothing there).
    @inline(__always)
    mutating func paint(x0: Float, y0: Float, x1: Float, y1: Float, _ shader: (Float, Float) -> Paint?) {
        let xs = range(x0, x1, focus: focus.x), ys = range(y0, y1, focus: focus.y)
        guard !xs.isEmpty, !ys.isEmpty else { return }
        let n = self.n, step = invN / zoom
        let ox = focus.x - focus.x / zoom + 0.5 * step, oy = focus.y - focus.y / zoom + 0.5 * step
        color.withUnsafeMutableBufferPointer { col in
            regions.withUnsafeMutableBufferPointer { reg in
                for j in ys {
                    let y = oy + Float(j) * step
                    for i in xs {
                        let x = ox + Float(i) * step
                        guard let p = shader(x, y) else { continue }
                        let k = j * n + i
                        if p.alpha >= 1 {
                            col[3 * k] = p.color.r
                            col[3 * k + 1] = p.color.g
                            col[3 * k + 2] = p.color.b
                            reg[k] = p.regions.raw
                        } else if p.alpha > 0 {
                            let t = p.alpha
                            col[3 * k] += (p.color.r - col[3 * k]) * t
                            col[3 * k + 1] += (p.color.g - col[3 * k + 1]) * t
                            col[3 * k + 2] += (p.color.b - col[3 * k + 2]) * t
                            reg[k] |= p.regions.raw
                        } else {
                            reg[k] |= p.regions.raw
                        }
                    }
                }
            }
        }
    }

    /// Box-filters to an 8-bit RGB image.
    func image() -> RasterImage {
        var out = [UInt8](repeating: 0, count: size * size * 3)
        let norm = 1 / Float(ss * ss)
        color.withUnsafeBufferPointer { col in
            for py in 0..<size {
                for px in 0..<size {
                    var r: Float = 0, g: Float = 0, b: Float = 0
                    for sy in 0..<ss {
                        var k = ((py * ss + sy) * n + px * ss) * 3
                        for _ in 0..<ss {
                            r += col[k]
                            g += col[k + 1]
                            b += col[k + 2]
                            k += 3
                        }
                    }
                    let o = (py * size + px) * 3
                    out[o] = SubsampleCanvas.byte(r * norm)
                    out[o + 1] = SubsampleCanvas.byte(g * norm)
                    out[o + 2] = SubsampleCanvas.byte(b * norm)
                }
            }
        }
        // The shape is established above; this cannot fail.
        return try! RasterImage(width: size, height: size, channels: 3, pixels: out)
    }

    @inline(__always) static func byte(_ v: Float) -> UInt8 { UInt8(clamp01(v) * 255 + 0.5) }

    /// The fraction of each output pixel's sub-samples that belong to `region` (row-major, size × size).
    func coverage(_ region: FaceRegion) -> [Float] {
        var out = [Float](repeating: 0, count: size * size)
        let bit = region.bit, norm = 1 / Float(ss * ss)
        for py in 0..<size {
            for px in 0..<size {
                var count = 0
                for sy in 0..<ss {
                    let k = (py * ss + sy) * n + px * ss
                    for sx in 0..<ss where regions[k + sx] & bit != 0 { count += 1 }
                }
                out[py * size + px] = Float(count) * norm
            }
        }
        return out
    }
}
