import ImageIO

/// Renders synthetic face-like portraits: head and shoulders on a patterned background, anti-aliased by
/// supersampling, lit by one directional light. Pure Swift and deterministic: the same attributes and details
/// give the same bytes on every run and thread.
///
/// Painting order (later covers earlier): background → hair volume (and bun) → strands in the hair volume →
/// ears turned away → neck → clothing → long locks → the head (skin, skin details, nose, mouth zone, eye zone,
/// hair on the scalp) → ears facing the viewer → earrings.
public struct FaceRenderer: Sendable {
    /// Sub-samples per pixel along each axis; nil picks 4 up to 64², 3 up to 160², 2 above.
    public var supersampling: Int?

    public init(supersampling: Int? = nil) {
        self.supersampling = supersampling
    }

    /// Sizes the renderer accepts (the portrait is laid out in relative units, so any size works; below 32 the
    /// features are too small to be useful).
    public static let sizes: ClosedRange<Int> = 8...4096

    /// The framing: the layout is shown zoomed by this much about `focus` (see `SubsampleCanvas`).
    static let zoom: Float = 1.2
    static let focus = SIMD2<Float>(0.5, 0.35)

    func samplesPerAxis(size: Int) -> Int {
        if let s = supersampling { return max(1, min(s, 8)) }
        return size <= 64 ? 4 : (size <= 160 ? 3 : 2)
    }

    /// The portrait as an RGB image of `size` × `size`.
    public func render(attributes: FaceAttributes, details: FaceDetails, size: Int) -> RasterImage {
        paint(attributes: attributes, details: details, size: size).image()
    }

    /// The portrait of a sampled face.
    public func render(_ sample: FaceSample, size: Int) -> RasterImage {
        render(attributes: sample.attributes, details: sample.details, size: size)
    }

    /// The same face (its details) with other attributes: the counterfactual of an edit.
    public func render(_ sample: FaceSample, with attributes: FaceAttributes, size: Int) -> RasterImage {
        render(attributes: attributes, details: sample.details, size: size)
    }

    /// The portrait with the coverage of every region.
    public func renderWithMasks(attributes: FaceAttributes, details: FaceDetails, size: Int) -> FaceRendering {
        let canvas = paint(attributes: attributes, details: details, size: size)
        var coverage: [FaceRegion: [Float]] = [:]
        for region in FaceRegion.allCases { coverage[region] = canvas.coverage(region) }
        return FaceRendering(image: canvas.image(), coverage: coverage)
    }

    public func renderWithMasks(_ sample: FaceSample, size: Int) -> FaceRendering {
        renderWithMasks(attributes: sample.attributes, details: sample.details, size: size)
    }

    func paint(attributes: FaceAttributes, details: FaceDetails, size: Int) -> SubsampleCanvas {
        precondition(FaceRenderer.sizes.contains(size), "FaceRenderer: size \(size) outside \(FaceRenderer.sizes)")
        let scene = FaceScene(attributes: attributes, details: details)
        var canvas = SubsampleCanvas(size: size, supersampling: samplesPerAxis(size: size), zoom: FaceRenderer.zoom,
                                     focus: FaceRenderer.focus)
        let head = scene.head

        canvas.paint(x0: 0, y0: 0, x1: 1, y1: 1) { x, y in Paint(scene.backgroundColor(x: x, y: y), 1, .background) }

        let hx0 = scene.hairVolumeX - scene.hairVolumeHalfWidth * 1.4, hx1 = scene.hairVolumeX + scene.hairVolumeHalfWidth * 1.4
        let hy0 = head.cy - head.ry - 0.12
        canvas.paint(x0: hx0, y0: hy0, x1: hx1, y1: scene.hairBottom) { x, y in
            scene.insideHairVolume(x: x, y: y) ? Paint(scene.hairVolumeColor(x: x, y: y), 1, .hair) : nil
        }
        for strand in scene.volumeStrands {
            let s = strand.stroke
            let color = strand.color * scene.lightColor * 0.95
            canvas.paint(x0: s.minX, y0: s.minY, x1: s.maxX, y1: s.maxY) { x, y in
                s.contains(x, y) ? Paint(color, 1, .hair) : nil
            }
        }

        let ears = scene.details.hair.coversEars ? [] : scene.ears
        func paintEar(_ ear: FaceScene.Ear) {
            let w = ear.halfWidth * 1.2, h = ear.halfHeight * 1.1
            canvas.paint(x0: ear.x - w, y0: ear.y - h, x1: ear.x + w, y1: ear.y + h) { x, y in scene.earPaint(ear, x: x, y: y) }
            let r: Float = 0.05
            let ly = ear.y + ear.halfHeight * 0.82
            canvas.paint(x0: ear.x - r, y0: ly - 0.01, x1: ear.x + r, y1: ly + r) { x, y in scene.earringPaint(ear, x: x, y: y) }
        }
        for ear in ears where !ear.inFront { paintEar(ear) }

        canvas.paint(x0: scene.neckX - 0.3, y0: head.cy + 0.05, x1: scene.neckX + 0.3, y1: 1.2) { x, y in
            scene.insideNeck(x: x, y: y) ? Paint(scene.neckColor(x: x, y: y), 1, .face) : nil
        }
        canvas.paint(x0: 0, y0: head.cy + head.ry, x1: 1, y1: 1) { x, y in
            scene.insideClothing(x: x, y: y) ? Paint(scene.clothingColor(x: x, y: y), 1, .clothing) : nil
        }
        if scene.details.hair.kind == .long {
            canvas.paint(x0: 0, y0: head.cy, x1: 1, y1: scene.hairBottom) { x, y in
                scene.insideLock(x: x, y: y) ? Paint(scene.hairVolumeColor(x: x, y: y), 1, .hair) : nil
            }
        }

        let half = max(head.rx, head.rz) * 1.05
        canvas.paint(x0: head.cx - half, y0: head.cy - head.ry, x1: head.cx + half, y1: head.cy + head.ry) { x, y in
            guard let p = head.surface(x: x, y: y) else { return nil }
            return scene.shadeHead(p)
        }

        for ear in ears where ear.inFront { paintEar(ear) }
        return canvas
    }
}

/// A rendered portrait and, per region, the fraction of each pixel's sub-samples that show that region.
public struct FaceRendering: Sendable {
    public let image: RasterImage
    /// Row-major `size × size` fractions in 0…1 per region.
    public let coverage: [FaceRegion: [Float]]

    public var size: Int { image.width }

    /// Pixels any part of which shows `region`: the pixels an edit local to that region may change.
    public func mask(_ region: FaceRegion) -> [Bool] { coverage[region]!.map { $0 > 0 } }

    /// The coverage as a gray image (255 = the whole pixel shows the region).
    public func maskImage(_ region: FaceRegion) -> RasterImage {
        let bytes = coverage[region]!.map { UInt8(clamp01($0) * 255 + 0.5) }
        return try! RasterImage(width: size, height: size, channels: 1, pixels: bytes)
    }
}
