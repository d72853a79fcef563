import Foundation

/// The colour at one point of the head's visible surface, painted in surface coordinates so that everything
/// follows the head when it turns: skin with directional shading, skin details, nose, the mouth in its zone, the
/// eyes, brows and glasses in their zone, and the hair on the scalp.
extension FaceScene {
    /// A running composite at one sub-sample.
    struct Layer {
        var color: FaceColor
        var regions: RegionBits

        @inline(__always) mutating func over(_ c: FaceColor, _ alpha: Float, _ r: RegionBits) {
            if alpha >= 1 {
                color = c
                regions = r
            } else if alpha > 0 {
                color = color.mixed(c, alpha)
                regions = regions.union(r)
            }
        }

        @inline(__always) mutating func mark(_ r: RegionBits) { regions = regions.union(r) }
    }

    func shadeHead(_ p: SurfacePoint) -> Paint {
        let skinLit = lit(skin, normal: p.normal)
        var layer = Layer(color: skinLit, regions: .face)
        let a = p.a, b = p.b
        let face = RegionBits.face

        // Blush on the cheeks.
        let blush = Float(details.features.blush)
        if blush > 0 {
            for s in sides {
                let du = (a - s * (eyeA + 0.004)) / 0.03, dv = (b - (noseB - 0.004)) / 0.018
                let r2 = du * du + dv * dv
                if r2 < 1 { layer.over(lit(FaceColor(0.92, 0.42, 0.42), normal: p.normal), 0.22 * blush * (1 - r2), face) }
            }
        }

        // Freckles, moles and marks.
        for spot in freckles {
            let du = a - Float(spot.a), dv = b - Float(spot.b), r = Float(spot.radius)
            if du * du + dv * dv < r * r {
                layer.over(skinLit * FaceColor(0.7, 0.52, 0.4), Float(spot.strength), face)
            }
        }
        for spot in moles {
            let du = a - Float(spot.a), dv = b - Float(spot.b), r = Float(spot.radius)
            if du * du + dv * dv < r * r {
                layer.over(FaceColor(0.24, 0.14, 0.1) * lightColor, Float(spot.strength), face)
            }
        }
        for mark in marks where mark.stroke.contains(a, b) {
            layer.over(mark.pale ? skinLit.mixed(FaceColor(0.98, 0.86, 0.84), 0.5) : skinLit * FaceColor(0.72, 0.45, 0.42),
                       0.75, face)
        }

        paintWrinkles(a: a, b: b, skinLit: skinLit, layer: &layer)
        paintNose(p, skinLit: skinLit, layer: &layer)

        // The mouth zone: marked whatever the smile, and the mouth drawn only inside it.
        let mu = a / mouthZoneA, mv = (b - mouthZoneB) / mouthZoneHalfHeight
        if mu * mu + mv * mv < 1 {
            layer.mark(.mouth)
            paintMouth(p, skinLit: skinLit, layer: &layer)
        }

        // The eye zone: eyes, brows, crow's feet and glasses.
        if b > eyeZoneTop, b < eyeZoneBottom {
            layer.mark(.eyes)
            paintEyes(p, skinLit: skinLit, layer: &layer)
            if glassesOn { paintGlasses(p, layer: &layer) }
        }

        paintScalpHair(p, layer: &layer)
        return Paint(layer.color, 1, layer.regions)
    }

    // MARK: - Skin

    func paintWrinkles(a: Float, b: Float, skinLit: FaceColor, layer: inout Layer) {
        let w = wrinkles
        guard w > 0 else { return }
        let line = skinLit * 0.68
        let width: Float = 0.0016
        // Forehead lines.
        if b < browB - 0.015, b > browB - 0.08, abs(a) < 0.07 {
            for k in 0..<3 {
                let lb = browB - 0.028 - 0.014 * Float(k) + 0.003 * sin(a * 70 + Float(k))
                let fade = 1 - abs(a) / 0.07
                if abs(b - lb) < width { layer.over(line, 0.6 * w * fade, .face) }
            }
        }
        // Nasolabial folds: from beside the nose to beyond the mouth corners.
        for s in sides {
            let t = (b - (noseB - 0.006)) / (mouthB + 0.012 - (noseB - 0.006))
            if t > 0, t < 1 {
                let la = s * (noseHalfWidth + 0.008 + t * (mouthBaseHalfWidth + 0.006 - noseHalfWidth))
                if abs(a - la) < width * 1.2 { layer.over(line, 0.5 * w * (1 - 0.5 * t), .face) }
            }
            // Bags under the eyes.
            let u = (a - s * eyeA) / (eyeHalfWidth * 0.9)
            if abs(u) < 1 {
                let lb = eyeB + eyeHalfHeight + 0.008 + 0.004 * (1 - u * u)
                if abs(b - lb) < width { layer.over(line, 0.45 * w, .face) }
            }
        }
    }

    func paintNose(_ p: SurfacePoint, skinLit: FaceColor, layer: inout Layer) {
        let a = p.a, b = p.b
        guard b > eyeB - 0.005, b < noseB + 0.03, abs(a) < 0.06 else { return }
        let t = clamp01((b - eyeB) / max(noseB - eyeB, 1e-3))
        let shift = noseTipShift * t * t
        let u = a - shift, v = b - noseB
        let face = RegionBits.face
        // The shadow side of the bridge (away from the light) and the highlight on the other.
        let shadowSide: Float = light.x >= 0 ? -1 : 1
        if b < noseB - 0.004 {
            let side = abs(u - shadowSide * noseHalfWidth * (0.45 + 0.45 * t))
            if side < 0.006 { layer.over(skinLit * 0.7, 0.35 * (1 - side / 0.006) * (0.4 + 0.6 * t), face) }
            let ridge = abs(u + shadowSide * 0.003)
            if ridge < 0.003 { layer.over(skinLit.mixed(.white, 0.35), 0.35 * (1 - ridge / 0.003) * t, face) }
        }
        // The far side's profile line when the head is turned.
        let turn = abs(head.sinPsi)
        if turn > 0.05, b > eyeB + 0.01, b < noseB - 0.002 {
            let far: Float = head.sinPsi > 0 ? -1 : 1
            let edge = abs(u - far * noseHalfWidth * 0.55 * t)
            if edge < 0.0022 { layer.over(skinLit * 0.55, min(1, turn * 1.6) * 0.7, face) }
        }
        // Tip highlight, under-nose shadow, nostrils.
        let tu = u / (noseHalfWidth * 0.85), tv = (v + 0.007) / 0.009
        if tu * tu + tv * tv < 1 { layer.over(skinLit.mixed(.white, 0.3), 0.4 * (1 - tu * tu - tv * tv), face) }
        let su = u / (noseHalfWidth * 1.6), sv = (v - 0.011) / 0.007
        if su * su + sv * sv < 1 { layer.over(skinLit * 0.72, 0.35 * (1 - su * su - sv * sv), face) }
        for s in sides {
            // The far nostril hides behind the nose when the head turns.
            if s * head.sinPsi < -0.25 { continue }
            let nu = (u - s * noseHalfWidth * 0.78) / 0.0058, nv = (v - 0.0035) / 0.0032
            if nu * nu + nv * nv < 1 { layer.over(skinLit * 0.32, 0.85, face) }
            // Nose wing outline.
            let wu = (u - s * noseHalfWidth * 1.05) / 0.0065, wv = (v + 0.001) / 0.0085
            let r = (wu * wu + wv * wv).squareRoot()
            if abs(r - 1) < 0.22, s * wu > 0 { layer.over(skinLit * 0.62, 0.45, face) }
        }
    }

    // MARK: - Mouth (inside the mouth zone)

    func paintMouth(_ p: SurfacePoint, skinLit: FaceColor, layer: inout Layer) {
        let u = p.a, v = p.b - mouthB
        let zone = RegionBits(.face, .mouth)
        let mw = mouthHalfWidth
        let fullness = Float(details.features.lipFullness)
        let lip = lit(details.features.lipColor.mixed(skin, 0.25), normal: p.normal)
        let darkLine = lip * 0.42
        if abs(u) < mw {
            let q = 1 - (u / mw) * (u / mw)
            let centre = smileDepth * (q - 0.5)
            let open = mouthOpen * q
            let bow = 1 - 0.35 * exp(-(u / 0.007) * (u / 0.007))
            let upperTop = centre - 0.0062 * fullness * q.squareRoot() * bow
            let lowerBottom = centre + open + 0.0085 * fullness * q.squareRoot()
            if v >= upperTop, v < centre {
                layer.over(lip * 0.86, 1, zone)
            } else if v >= centre, v < centre + open {
                let teethEnd = centre + open * 0.58
                if v < teethEnd {
                    // Teeth with faint gaps.
                    let gap = abs(sin(u * 420)) < 0.12
                    layer.over(lit(FaceColor(0.95, 0.93, 0.87), normal: p.normal) * (gap ? 0.8 : 1), 1, zone)
                } else {
                    layer.over(FaceColor(0.32, 0.1, 0.1) * lightColor, 1, zone)
                }
            } else if v >= centre + open, v <= lowerBottom {
                // The lower lip with a highlight.
                let h = (v - centre - open) / max(lowerBottom - centre - open, 1e-4)
                layer.over(lip.mixed(.white, 0.18 * (1 - abs(h - 0.4) * 2.5).clamped01), 1, zone)
            }
            if open < 0.001, abs(v - centre) < 0.0016 { layer.over(darkLine, 0.9, zone) }
        }
        // Corners and smile lines.
        for s in sides {
            let cu = u - s * mw, cv = v + 0.5 * smileDepth
            if cu * cu + cv * cv < 0.0022 * 0.0022 { layer.over(darkLine, 0.6, zone) }
            if smile > 0.05 {
                // A bracket beside each corner, bending round it.
                let t = (v + 0.024) / 0.034
                if t > 0, t < 1 {
                    let la = s * (mw + 0.008 + 0.006 * sin(t * Float.pi))
                    if abs(u - la) < 0.0017 { layer.over(skinLit * 0.66, 0.55 * smile * sin(t * Float.pi), zone) }
                }
            } else if smile < -0.05 {
                // Downturned corner lines.
                let t = (v + 0.5 * smileDepth) / 0.016
                if t > 0, t < 1 {
                    let la = s * (mw + 0.002 + 0.004 * t)
                    if abs(u - la) < 0.0015 { layer.over(skinLit * 0.68, -0.5 * smile * (1 - t), zone) }
                }
            }
        }
    }

    // MARK: - Eyes, brows, glasses (inside the eye zone)

    func paintEyes(_ p: SurfacePoint, skinLit: FaceColor, layer: inout Layer) {
        let zone = RegionBits(.face, .eyes)
        let b = p.b
        let ew = eyeHalfWidth, eh = eyeHalfHeight
        for s in sides {
            let u = p.a - s * eyeA, v = b - eyeB
            if abs(u) > ew * 2.2 { continue }
            // Socket shade between brow and eye.
            let su = u / (ew * 1.35), sv = (v + eh * 0.9) / (eh * 2.2)
            if su * su + sv * sv < 1 { layer.over(skinLit * 0.8, 0.3 * (1 - su * su - sv * sv), zone) }
            // Brow.
            let bw = browHalfWidth, arch = Float(details.features.browArch)
            let bu = (u * s + 0.003) / bw
            if abs(bu) < 1 {
                let curve = browB - 0.006 * (0.5 + arch) * (1 - bu * bu) + 0.0035 * bu
                let thick = browThickness * (1 - 0.4 * max(0, bu)) * 0.5
                if abs(b - curve) < thick {
                    layer.over(lit(details.features.browColor, normal: p.normal, ambient: 0.6, diffuse: 0.4), 0.9, zone)
                }
            }
            // Eye: an almond between two lids.
            let x = u / ew
            if abs(x) < 1 {
                let q = 1 - x * x
                let top = -eh * q * (1 + 0.15 * x * s), bottom = eh * 0.78 * q
                if v > top, v < bottom {
                    var c = lit(FaceColor(0.95, 0.94, 0.91), normal: p.normal, ambient: 0.6, diffuse: 0.4)
                    // The iris looks at the camera: it slides against the turn.
                    let iu = u + 0.35 * ew * head.sinPsi, iv = v - 0.1 * eh
                    let ir = eh * 1.0
                    let d2 = iu * iu + iv * iv
                    if d2 < ir * ir {
                        c = details.features.irisColor * lightColor * (0.75 + 0.3 * (1 - d2 / (ir * ir)))
                        if d2 < ir * ir * 0.2 { c = FaceColor(gray: 0.04) }
                        let hu = iu + 0.35 * ir, hv = iv + 0.35 * ir
                        if hu * hu + hv * hv < ir * ir * 0.06 { c = FaceColor(gray: 0.97) }
                    }
                    layer.over(c, 1, zone)
                }
                // Upper lid line with lashes, lower lid faint.
                if v <= top, v > top - 0.0028 - 0.0012 * q { layer.over(FaceColor(gray: 0.08), 0.92, zone) }
                if v >= bottom, v < bottom + 0.0012 { layer.over(skinLit * 0.6, 0.5, zone) }
            } else if abs(x) < 1.25, s * u > 0, abs(v + eh * 0.15) < 0.0012 + 0.002 * (1.25 - abs(x)) {
                // The lash line runs on past the outer corner.
                layer.over(FaceColor(gray: 0.1), 0.7, zone)
            }
            // Crow's feet.
            if wrinkles > 0, s * u > ew * 1.15, s * u < ew * 1.9 {
                let d = s * u - ew * 1.15
                for k in -1...1 {
                    let lv = Float(k) * (0.002 + 0.45 * d) - 0.001
                    if abs(v - lv) < 0.0013 { layer.over(skinLit * 0.68, 0.5 * wrinkles * (1 - d / (ew * 0.75)), zone) }
                }
            }
        }
    }

    /// Signed distance-like value of the lens outline (negative inside), in canvas units, for lens-local (u, v)
    /// with u pointing outwards from the nose.
    func lensDistance(u: Float, v: Float) -> Float {
        let g = details.glasses, k = Float(g.size)
        switch g.shape {
        case .round:
            return (u * u + v * v).squareRoot() - 0.028 * k
        case .rectangular, .catEye:
            let hw = 0.031 * k
            var hh = 0.021 * k
            if g.shape == .catEye, v < 0 { hh += 0.006 * k * max(0, u / hw + 0.2) }
            let r: Float = 0.006 * k
            let qx = abs(u) - hw + r, qy = abs(v) - hh + r
            let out = SIMD2<Float>(max(qx, 0), max(qy, 0))
            return (out * out).sum().squareRoot() + min(max(qx, qy), 0) - r
        case .aviator:
            let hw = 0.032 * k, hh = (v > 0 ? 0.029 : 0.02) * k
            let x = (u + 0.12 * v) / hw, y = v / hh
            return ((x * x + y * y).squareRoot() - 1) * min(hw, hh)
        }
    }

    func paintGlasses(_ p: SurfacePoint, layer: inout Layer) {
        let g = details.glasses
        let zone = RegionBits(.face, .eyes)
        let half = max(Float(g.thickness), 0.003) / 2
        let frame = lit(g.frameColor, normal: p.normal, ambient: 0.55, diffuse: 0.5)
        let k = Float(g.size)
        let lensB = eyeB + 0.003
        let lensHalf: Float = (g.shape == .round ? 0.028 : 0.032) * k
        var onFrame = false
        for s in sides {
            let u = (p.a - s * eyeA) * s, v = p.b - lensB
            guard abs(u) < lensHalf * 1.5, abs(v) < lensHalf * 1.5 else { continue }
            let d = lensDistance(u: u, v: v)
            if d < -half {
                // Lens: tint, or a faint highlight streak on clear lenses.
                let tint = Float(g.tint)
                if tint > 0.02 {
                    layer.over(FaceColor(0.06, 0.07, 0.09) * lightColor, tint, zone)
                } else if abs((u + v) - lensHalf * 0.35) < 0.0025 {
                    layer.over(FaceColor(gray: 1), 0.22, zone)
                }
            } else if d <= half {
                onFrame = true
            }
        }
        // Bridge over the nose.
        let inner = eyeA - lensHalf
        if abs(p.a) < inner + half {
            let bridgeB = lensB - 0.006 - 0.003 * (1 - (p.a / max(inner, 1e-3)) * (p.a / max(inner, 1e-3)))
            if abs(p.b - bridgeB) < half * 0.9 { onFrame = true }
        }
        // Temple arms back towards the ears (the hair at the temples covers them).
        let outer = eyeA + lensHalf * 0.95
        let limit = 1.5 * head.wx(p.b)
        let absA = abs(p.a)
        if absA > outer - half, absA < limit {
            let t = (absA - outer) / max(limit - outer, 1e-3)
            if abs(p.b - (lensB - 0.008 - 0.004 * t)) < half * 0.9 { onFrame = true }
        }
        if onFrame { layer.over(frame, 1, zone) }
    }

    // MARK: - Hair on the scalp

    /// The forehead hairline: hair above it.
    func hairline(at a: Float) -> Float {
        let hair = details.hair
        let rx = head.rx
        let salt = Float(details.patternSalt % 1000) * 0.01
        switch hair.fringe {
        case .none:
            let q = a / (0.85 * rx)
            var hl = hairlineBase + 0.075 * q * q
            // A small notch at the parting.
            let pa = Float(hair.parting) * 0.5 * rx
            hl -= 0.01 * exp(-((a - pa) / 0.012) * ((a - pa) / 0.012))
            return hl
        case .straight:
            let q = a / rx
            return browB - 0.016 + 0.004 * sin(a * 240 + salt) + 0.05 * q * q * q * q
        case .side:
            let dir: Float = hair.parting >= 0 ? 1 : -1
            let t = smoothstep(-0.7 * rx, 0.7 * rx, a * dir)
            return (browB - 0.012) + (hairlineBase + 0.02 - browB + 0.012) * t + 0.003 * sin(a * 200 + salt)
        }
    }

    /// Whether the scalp hair covers surface point p.
    func hairCovers(_ p: SurfacePoint) -> Bool {
        if p.b < hairline(at: p.a) { return true }
        let t = abs(p.theta)
        switch details.hair.kind {
        case .short, .bun:
            // Temples down to eye level, then the line curves back behind the ear to the nape.
            let below = max(0, p.b - (eyeB + 0.01))
            return t > 1.22 + min(below * 9, 0.42) && p.b < noseB + 0.05
        case .bob:
            return t > 1.12 && p.b < hairBottom - head.cy
        case .long:
            return t > 1.08
        case .curly:
            return t > 1.05 && p.b < hairBottom - head.cy
        }
    }

    func paintScalpHair(_ p: SurfacePoint, layer: inout Layer) {
        let hairBits = RegionBits.hair
        if hairCovers(p) {
            var c = hairShade(streak: Int((p.theta * 30 + 100).rounded(.down)), normal: p.normal)
            // The parting: a thin line of scalp.
            if details.hair.fringe == .none {
                let pa = Float(details.hair.parting) * 0.5 * head.rx
                if abs(p.a - pa) < 0.0018, p.b < hairline(at: p.a) - 0.004 {
                    c = c.mixed(lit(skin, normal: p.normal), 0.55)
                }
            }
            layer.over(c, 1, hairBits)
        } else {
            // The hairline's soft shadow on the forehead.
            let d = p.b - hairline(at: p.a)
            if d > 0, d < 0.01, abs(p.theta) < 1.2 { layer.over(layer.color * 0.75, 0.5 * (1 - d / 0.01), .face) }
        }
        for strand in scalpStrands where strand.stroke.contains(p.a, p.b) {
            layer.over(lit(strand.color, normal: p.normal, ambient: 0.45, diffuse: 0.65), 1, hairBits)
        }
    }

    /// Hair colour for a streak (hashed brightness and greying) under the given normal.
    @inline(__always) func hairShade(streak: Int, normal: SIMD3<Float>) -> FaceColor {
        let salt = details.patternSalt
        // Each streak greys at its own age: a salt-and-pepper mix that turns grey as the fraction grows.
        let rank = hashUnit(streak, 7, salt)
        let grey = smoothstep(rank - 0.12, rank + 0.12, greyFraction * 1.15)
        let base = hairColor.mixed(greyColor, grey)
        let mod = 0.9 + 0.2 * hashUnit(streak, 3, salt)
        return lit(base, normal: normal, ambient: 0.42, diffuse: 0.68) * mod
    }
}

extension Float {
    var clamped01: Float { clamp01(self) }
}
