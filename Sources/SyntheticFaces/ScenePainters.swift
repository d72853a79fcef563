import Foundation

/// The screen-space parts of a portrait, painted around the head: background, hair volume and strands, neck,
/// clothing, long locks, ears and earrings.
extension FaceScene {
    // MARK: - Background

    func backgroundColor(x: Float, y: Float) -> FaceColor {
        let bg = details.background
        let hue = attributes.backgroundHue
        let c1 = FaceColor(hue: hue, saturation: bg.saturation, value: bg.value)
        let c2 = FaceColor(hue: hue + bg.secondHueShift, saturation: bg.saturation * 0.9, value: bg.secondValue)
        let angle = Float(bg.angle), period = max(Float(bg.period), 0.02)
        let ca = cos(angle), sa = sin(angle)
        let px = x - 0.5, py = y - 0.5
        let along = px * ca + py * sa, across = -px * sa + py * ca
        var c: FaceColor
        switch bg.pattern {
        case .plain:
            c = c1
        case .gradient:
            c = c1.mixed(c2, clamp01(along * 1.2 + 0.5))
        case .stripes:
            c = sin(2 * Float.pi * along / period) > 0 ? c1 : c2
        case .checks:
            let i = Int((along / period + 100).rounded(.down)), j = Int((across / period + 100).rounded(.down))
            c = (i + j) % 2 == 0 ? c1 : c2
        case .dots:
            let fx = along / period, fy = across / period
            let dx = fx - fx.rounded(), dy = fy - fy.rounded()
            c = dx * dx + dy * dy < 0.09 ? c2 : c1
        }
        // A soft vignette and a light fall-off away from the light.
        let r2 = px * px + py * py
        let side = 1 + 0.08 * px * Float(attributes.lightDirection)
        return c * ((1 - 0.35 * r2) * side)
    }

    // MARK: - Hair volume

    /// Whether canvas point (x, y) is inside the hair volume behind the head (and the bun).
    func insideHairVolume(x: Float, y: Float) -> Bool {
        let hair = details.hair
        if hair.kind == .bun {
            let bx = hairVolumeX - 0.03 * head.sinPsi, by = head.cy - head.ry - 0.03
            let dx = x - bx, dy = y - by
            if dx * dx + dy * dy < 0.05 * 0.05 { return true }
        }
        guard y < hairBottom else { return false }
        let dx = x - hairVolumeX, dy = y - hairVolumeY
        var hw = hairVolumeHalfWidth
        let hh = hairVolumeHalfHeight
        switch hair.kind {
        case .short, .bun:
            // The lower half closes round towards the ears.
            if dy > 0 {
                let lower = max(hairBottom - hairVolumeY, 0.01)
                return (dx / hw) * (dx / hw) + (dy / lower) * (dy / lower) < 1
            }
        case .curly:
            let angle = atan2(dx, dy)
            let bump = 1 + 0.055 * sin(angle * 11 + Float(details.patternSalt % 97))
            let q = (dx / (hw * bump)) * (dx / (hw * bump)) + (dy / (hh * bump)) * (dy / (hh * bump))
            return q < 1
        case .bob, .long:
            if dy > 0 {
                // Straight (bob) or widening (long) sides below the centre, with a ragged hem.
                let t = dy / max(hairBottom - hairVolumeY, 1e-3)
                if hair.kind == .long { hw *= 1 + 0.22 * t }
                let hem = hairBottom - 0.012 * (1 + sin(dx * 160 + Float(details.patternSalt % 53))) * 0.5
                return abs(dx) < hw && y < hem
            }
        }
        return (dx / hw) * (dx / hw) + (dy / hh) * (dy / hh) < 1
    }

    func hairVolumeColor(x: Float, y: Float) -> FaceColor {
        let dx = (x - hairVolumeX) / hairVolumeHalfWidth, dy = (y - hairVolumeY) / hairVolumeHalfHeight
        let r2 = min(dx * dx + min(dy, 0.3) * min(dy, 0.3), 0.98)
        let normal = SIMD3<Float>(dx, min(dy, 0.3), (1 - r2).squareRoot())
        let crownY = hairVolumeY - hairVolumeHalfHeight * 0.6
        let angle = atan2(x - hairVolumeX, y - crownY)
        return hairShade(streak: Int((angle * 26 + 200).rounded(.down)), normal: normal / (normal * normal).sum().squareRoot()) * 0.9
    }

    // MARK: - Long locks over the shoulders

    func insideLock(x: Float, y: Float) -> Bool {
        guard details.hair.kind == .long else { return false }
        let top = head.cy + 0.1, bottom = hairBottom - 0.02
        guard y > top, y < bottom else { return false }
        let t = (y - top) / (bottom - top)
        let half = head.silhouetteHalfWidth(0)
        for s in sides {
            let centre = head.cx + s * (half * 0.92 + 0.05 * t)
            let width = 0.034 * (1 - 0.6 * t * t) + 0.004 * sin(y * 90)
            if abs(x - centre) < width { return true }
        }
        return false
    }

    // MARK: - Neck and clothing

    /// The neck, widening into the chest below the shoulder line (which clothing covers except at the neckline).
    func insideNeck(x: Float, y: Float) -> Bool {
        guard y > head.cy + 0.08, y < 1.2 else { return false }
        return abs(x - neckX) < neckHalfWidth * neckFlare(y)
    }

    @inline(__always) func neckFlare(_ y: Float) -> Float {
        1 + 0.35 * smoothstep(shoulderTop - 0.04, shoulderTop, y) + 3 * smoothstep(shoulderTop, shoulderTop + 0.06, y)
    }

    func neckColor(x: Float, y: Float) -> FaceColor {
        let nx = min(max((x - neckX) / (neckHalfWidth * neckFlare(y)), -1), 1)
        let normal = SIMD3<Float>(nx * 0.8, 0.1, (max(0.05, 1 - nx * nx * 0.64)).squareRoot())
        // The chin's shadow on the upper neck.
        let shadow = 1 - 0.3 * (1 - smoothstep(head.cy + head.ry - 0.03, head.cy + head.ry + 0.07, y))
        return lit(skin, normal: normal / (normal * normal).sum().squareRoot()) * (0.92 * shadow)
    }

    /// The top of the shoulders at horizontal offset dx from the centre: a gentle slope to the shoulder points,
    /// then down the arms.
    @inline(__always) func shoulderLine(_ dx: Float) -> Float {
        let q = abs(dx) / 0.4
        return shoulderTop + 0.085 * q * q + 0.9 * max(0, abs(dx) - 0.4)
    }

    /// Clothing covers the shoulders except the neckline's opening.
    func insideClothing(x: Float, y: Float) -> Bool {
        guard y > shoulderLine(x - 0.5) else {
            if details.clothing.neckline == .turtleneck {
                return abs(x - neckX) < neckHalfWidth * 1.22 && y > head.cy + head.ry + 0.04
            }
            return false
        }
        let cx = x - neckX
        switch details.clothing.neckline {
        case .crew, .collar:
            let ex = cx / (neckHalfWidth * 1.35), ey = (y - shoulderTop) / 0.05
            return ex * ex + ey * ey >= 1
        case .vNeck:
            let apex = shoulderTop + 0.09
            return !(y < apex && abs(cx) < neckHalfWidth * 1.3 * (apex - y) / (apex - shoulderTop + 0.01) + 0.003)
        case .turtleneck:
            return true
        }
    }

    func clothingColor(x: Float, y: Float) -> FaceColor {
        let c = details.clothing
        let angle = Float(c.angle), period = max(Float(c.period), 0.015)
        let ca = cos(angle), sa = sin(angle)
        let along = x * ca + y * sa, across = -x * sa + y * ca
        var base: FaceColor
        switch c.pattern {
        case .plain:
            base = c.primary
        case .stripes:
            base = sin(2 * Float.pi * along / period) > 0.2 ? c.primary : c.secondary
        case .checks:
            let i = Int((along / period + 100).rounded(.down)), j = Int((across / period + 100).rounded(.down))
            let both = (i % 2 == 0) && (j % 2 == 0), one = (i % 2 == 0) != (j % 2 == 0)
            base = both ? c.secondary : (one ? c.primary.mixed(c.secondary, 0.45) : c.primary)
        case .dots:
            let fx = along / period, fy = across / period
            let dx = fx - fx.rounded(), dy = fy - fy.rounded()
            base = dx * dx + dy * dy < 0.07 ? c.secondary : c.primary
        }
        // Collar flaps beside the neck.
        if c.neckline == .collar {
            let cx = abs(x - neckX), top = shoulderTop + 0.02
            if y > top, y < top + 0.06, cx > neckHalfWidth * 0.9, cx < neckHalfWidth * 0.9 + (y - top) * 1.3 + 0.01 {
                base = c.secondary.mixed(.white, 0.5)
            }
        }
        let dx = (x - 0.5) / 0.55, dy = -0.5 + 0.5 * smoothstep(shoulderTop, shoulderTop + 0.2, y)
        let nz = max(0.1, 1 - dx * dx - dy * dy).squareRoot()
        var normal = SIMD3<Float>(dx, dy, nz)
        normal /= (normal * normal).sum().squareRoot()
        return lit(base, normal: normal, ambient: 0.5, diffuse: 0.55)
    }

    // MARK: - Ears and earrings

    struct Ear {
        var x: Float, y: Float, halfWidth: Float, halfHeight: Float, side: Float, inFront: Bool, normal: SIMD3<Float>
    }

    /// Both ears (left of the image first) with where they sit and whether they face the viewer.
    var ears: [Ear] {
        let b = (eyeB + noseB) / 2 + 0.006
        return [Float(-1), 1].map { s in
            let theta = s * 1.5
            let n = head.normal(theta: theta, b: b)
            let base = head.project(theta: theta, b: b, lift: 0.01)
            let halfWidth = 0.0125 + 0.015 * max(0, n.z)
            return Ear(x: base.x + n.x * halfWidth * 0.55, y: base.y, halfWidth: halfWidth, halfHeight: 0.036,
                       side: s, inFront: n.z >= -0.02, normal: n)
        }
    }

    func earPaint(_ ear: Ear, x: Float, y: Float) -> Paint? {
        let u = (x - ear.x) / ear.halfWidth, v = (y - ear.y) / ear.halfHeight
        // Slightly narrower at the lobe.
        let w = v > 0 ? 1 - 0.25 * v : 1
        guard (u / w) * (u / w) + v * v < 1 else { return nil }
        var c = lit(skin, normal: ear.normal, ambient: 0.55, diffuse: 0.45) * 0.93
        // The inner fold: a darker curve towards the head.
        let iu = (x - (ear.x - ear.normal.x * ear.halfWidth * 0.25)) / (ear.halfWidth * 0.55)
        let iv = (y - ear.y + ear.halfHeight * 0.1) / (ear.halfHeight * 0.6)
        if iu * iu + iv * iv < 1 { c = c * 0.78 }
        return Paint(c, 1, .face)
    }

    func earringPaint(_ ear: Ear, x: Float, y: Float) -> Paint? {
        guard let ring = details.earrings, !details.hair.coversEars else { return nil }
        if ring.sides == .left, ear.side > 0 { return nil }
        if ring.sides == .right, ear.side < 0 { return nil }
        let k = Float(ring.size)
        let lobeX = ear.x - ear.normal.x * ear.halfWidth * 0.2, lobeY = ear.y + ear.halfHeight * 0.82
        let dx = x - lobeX, dy = y - lobeY
        let metal = ring.color
        func shine(_ px: Float, _ py: Float, _ r: Float) -> FaceColor {
            let hl = max(0, 1 - ((px + 0.4 * r) * (px + 0.4 * r) + (py + 0.4 * r) * (py + 0.4 * r)) / (r * r))
            return (metal * lightColor * 0.85).mixed(.white, 0.6 * hl)
        }
        switch ring.style {
        case .stud:
            let r = 0.0055 * k
            if dx * dx + dy * dy < r * r { return Paint(shine(dx, dy, r), 1, .face) }
        case .hoop:
            let r = 0.013 * k, cy = dy - r * 0.9
            let d = (dx * dx + cy * cy).squareRoot()
            if abs(d - r) < 0.0022 * k + 0.0008 { return Paint(metal * lightColor * (0.75 + 0.35 * max(0, -dx / r)), 1, .face) }
        case .drop:
            if abs(dx) < 0.0013, dy > 0, dy < 0.014 * k { return Paint(metal * lightColor * 0.8, 1, .face) }
            let r = 0.0065 * k, cy = dy - 0.018 * k
            if dx * dx + cy * cy < r * r { return Paint(shine(dx, cy, r), 1, .face) }
        }
        return nil
    }
}
