import Foundation

/// Draws the attributes and details of synthetic face `i` from `(seed, i)` alone: image i is the same whether
/// 10 or 10,000 are rendered, in any order or thread. Attributes and details come from separate streams, so the
/// attribute labels of a dataset do not move when detail sampling is extended.
public struct FaceSampler: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    public func sample(_ index: Int) -> FaceSample {
        FaceSample(attributes: attributes(index), details: details(index))
    }

    /// The attributes of face `index`: smile, age, hair hue, light and background uniform over their ranges,
    /// yaw triangular around frontal, eyeglasses on 30 % of faces.
    public func attributes(_ index: Int) -> FaceAttributes {
        var rng = SplitMix64(seed: seed, stream: UInt64(bitPattern: Int64(index)), purpose: 1)
        var a = FaceAttributes()
        a.smile = rng.uniform(-1, 1)
        a.yaw = rng.unit() + rng.unit() - 1
        a.age = rng.unit()
        a.eyeglasses = rng.chance(0.3) ? 1 : 0
        a.hairHue = rng.unit()
        a.skinTone = rng.unit()
        a.faceWidth = rng.uniform(-1, 1)
        a.eyeSpacing = rng.uniform(-1, 1)
        a.lightDirection = rng.uniform(-1, 1)
        a.lightElevation = rng.unit()
        a.lightWarmth = rng.uniform(-1, 1)
        a.backgroundHue = rng.unit()
        return a
    }

    public func details(_ index: Int) -> FaceDetails {
        var rng = SplitMix64(seed: seed, stream: UInt64(bitPattern: Int64(index)), purpose: 2)
        var d = FaceDetails()
        d.hair = FaceSampler.hairStyle(&rng)
        d.glasses = FaceSampler.glasses(&rng)
        d.features = FaceSampler.features(&rng)
        d.freckles = FaceSampler.freckles(&rng)
        d.moles = FaceSampler.moles(&rng)
        d.marks = FaceSampler.marks(&rng)
        d.earrings = FaceSampler.earrings(&rng, hair: d.hair)
        d.clothing = FaceSampler.clothing(&rng)
        d.background = FaceSampler.background(&rng)
        d.patternSalt = rng.next()
        return d
    }

    // MARK: - Parts

    static func hairStyle(_ rng: inout SplitMix64) -> HairStyle {
        var h = HairStyle()
        h.kind = HairStyle.Kind.allCases[rng.weighted([0.3, 0.2, 0.25, 0.1, 0.15])]
        h.fringe = HairStyle.Fringe.allCases[rng.weighted([0.55, 0.2, 0.25])]
        h.lightness = rng.uniform(0.22, 0.82)
        h.saturation = rng.uniform(0.3, 0.85)
        h.hairline = rng.uniform(-1, 1)
        h.parting = rng.uniform(-1, 1)
        h.volume = rng.unit()

        // Strands on the scalp, combed from the parting towards the hairline and the sides.
        let parting = h.parting * 0.5 * 0.158
        for _ in 0..<rng.int(4...12) {
            let start = SIMD2(parting + 0.02 * rng.normal(), rng.uniform(-0.2, -0.16))
            var end: SIMD2<Double>
            if h.fringe == .straight {
                end = SIMD2(start.x + rng.uniform(-0.05, 0.05), rng.uniform(-0.07, -0.04))
            } else {
                let dir: Double = rng.chance(0.5) ? -1 : 1
                end = SIMD2(start.x + dir * rng.uniform(0.03, 0.13), rng.uniform(-0.13, -0.06))
            }
            let mid = (start + end) / 2
            let bend = SIMD2(rng.normal() * 0.015, -abs(rng.normal()) * 0.01)
            h.scalpStrands.append(HairStrand(p0: start, p1: mid + bend, p2: end, width: rng.uniform(0.0025, 0.0042),
                                             shade: rng.chance(0.7) ? rng.uniform(0.2, 0.7) : rng.uniform(-0.8, -0.3),
                                             greyRank: rng.unit()))
        }
        // Strands along the hair volume (relative to its centre, in units of its half-axes), and flyaways.
        let maxAngle = (h.kind == .short || h.kind == .bun) ? 1.7 : 2.5
        func polar(_ angle: Double, _ r: Double) -> SIMD2<Double> { SIMD2(sin(angle) * r, -cos(angle) * r) }
        for _ in 0..<rng.int(6...14) {
            let a0 = rng.uniform(-maxAngle, maxAngle)
            let a1 = a0 + (a0 >= 0 ? 1 : -1) * rng.uniform(0.25, 0.7)
            let a2 = max(-maxAngle - 0.2, min(maxAngle + 0.2, a1))
            let r0 = rng.uniform(0.82, 0.97), r2 = rng.uniform(0.82, 0.97)
            h.volumeStrands.append(HairStrand(p0: polar(a0, r0), p1: polar((a0 + a2) / 2, (r0 + r2) / 2 + 0.04),
                                              p2: polar(a2, r2), width: rng.uniform(0.0025, 0.004),
                                              shade: rng.chance(0.65) ? rng.uniform(0.2, 0.7) : rng.uniform(-0.8, -0.3),
                                              greyRank: rng.unit()))
        }
        if h.kind == .long || h.kind == .bob {
            let bottom = h.kind == .long ? 1.75 : 0.75
            for _ in 0..<rng.int(3...8) {
                let s: Double = rng.chance(0.5) ? -1 : 1
                let x0 = s * rng.uniform(0.7, 0.95)
                let x2 = x0 * (h.kind == .long ? rng.uniform(1.0, 1.15) : rng.uniform(0.95, 1.0))
                h.volumeStrands.append(HairStrand(p0: SIMD2(x0, 0.05), p1: SIMD2((x0 + x2) / 2 + 0.05 * rng.normal(), bottom * 0.5),
                                                  p2: SIMD2(x2, bottom * rng.uniform(0.75, 0.97)),
                                                  width: rng.uniform(0.0025, 0.004),
                                                  shade: rng.uniform(-0.8, 0.9), greyRank: rng.unit()))
            }
        }
        for _ in 0..<rng.weighted([0.3, 0.3, 0.25, 0.15]) {
            let a0 = rng.uniform(-1.4, 1.4)
            let a2 = a0 + rng.uniform(-0.3, 0.3)
            h.volumeStrands.append(HairStrand(p0: polar(a0, 0.93), p1: polar((a0 + a2) / 2 + rng.uniform(-0.15, 0.15), 1.08),
                                              p2: polar(a2, rng.uniform(1.1, 1.2)), width: rng.uniform(0.0022, 0.0032),
                                              shade: rng.uniform(-0.3, 0.6), greyRank: rng.unit()))
        }
        return h
    }

    static func glasses(_ rng: inout SplitMix64) -> GlassesStyle {
        let frames: [FaceColor] = [FaceColor(gray: 0.07), FaceColor(0.36, 0.2, 0.1), FaceColor(0.82, 0.66, 0.3),
                                   FaceColor(gray: 0.78), FaceColor(0.7, 0.1, 0.12), FaceColor(0.12, 0.17, 0.48)]
        var g = GlassesStyle()
        g.shape = rng.pick(GlassesStyle.Shape.allCases)
        g.frameColor = rng.pick(frames)
        g.thickness = rng.uniform(0.0045, 0.009)
        g.tint = rng.chance(0.25) ? rng.uniform(0.55, 0.85) : 0
        g.size = rng.uniform(0.88, 1.18)
        return g
    }

    static func features(_ rng: inout SplitMix64) -> FeatureShape {
        var f = FeatureShape()
        f.eyeSize = rng.uniform(0.85, 1.15)
        let irisHue = rng.pick([0.07, 0.08, 0.09, 0.55, 0.6, 0.3, 0.12])
        f.irisColor = FaceColor(hue: irisHue + 0.02 * rng.normal(), saturation: rng.uniform(0.3, 0.7), value: rng.uniform(0.25, 0.6))
        f.browThickness = rng.uniform(0.7, 1.4)
        f.browArch = rng.unit()
        f.browColor = FaceColor(hue: 0.07 + 0.02 * rng.normal(), saturation: rng.uniform(0.3, 0.6), value: rng.uniform(0.1, 0.35))
        f.noseLength = rng.uniform(0.9, 1.1)
        f.noseWidth = rng.uniform(0.85, 1.2)
        f.mouthWidth = rng.uniform(0.88, 1.12)
        f.lipColor = FaceColor(hue: 0.97 + 0.03 * rng.normal(), saturation: rng.uniform(0.35, 0.6), value: rng.uniform(0.55, 0.85))
        f.lipFullness = rng.uniform(0.8, 1.3)
        f.blush = rng.chance(0.5) ? rng.unit() : 0
        f.jaw = rng.unit()
        return f
    }

    static func freckles(_ rng: inout SplitMix64) -> [SkinSpot] {
        guard rng.chance(0.45) else { return [] }
        return (0..<rng.int(8...40)).map { _ in
            SkinSpot(a: max(-0.11, min(0.11, 0.05 * rng.normal())), b: rng.uniform(0.01, 0.1),
                     radius: rng.uniform(0.004, 0.0075), strength: rng.uniform(0.35, 0.75))
        }
    }

    static func moles(_ rng: inout SplitMix64) -> [SkinSpot] {
        (0..<rng.weighted([0.4, 0.35, 0.18, 0.07])).map { _ in
            SkinSpot(a: rng.uniform(-0.1, 0.1), b: rng.uniform(-0.08, 0.2), radius: rng.uniform(0.0055, 0.0095),
                     strength: rng.uniform(0.85, 1))
        }
    }

    static func marks(_ rng: inout SplitMix64) -> [SkinMark] {
        (0..<rng.weighted([0.65, 0.25, 0.1])).map { _ in
            let centre = SIMD2(rng.uniform(-0.1, 0.1), rng.uniform(-0.09, 0.18))
            let angle = rng.uniform(0, Double.pi), half = rng.uniform(0.008, 0.02)
            let d = SIMD2(cos(angle), sin(angle)) * half
            return SkinMark(from: centre - d, to: centre + d, width: rng.uniform(0.003, 0.005), pale: rng.chance(0.5))
        }
    }

    static func earrings(_ rng: inout SplitMix64, hair: HairStyle) -> Earrings? {
        let metals: [FaceColor] = [FaceColor(0.95, 0.78, 0.35), FaceColor(0.86, 0.87, 0.9), FaceColor(0.97, 0.95, 0.9)]
        let wants = rng.chance(0.4)
        let style = rng.pick(Earrings.Style.allCases)
        let sides = Earrings.Sides.allCases[rng.weighted([0.7, 0.15, 0.15])]
        let color = rng.chance(0.75) ? rng.pick(metals) : FaceColor(hue: rng.unit(), saturation: 0.7, value: 0.85)
        let size = rng.uniform(0.8, 1.3)
        guard wants, !hair.coversEars else { return nil }
        return Earrings(style: style, sides: sides, color: color, size: size)
    }

    static func clothing(_ rng: inout SplitMix64) -> ClothingStyle {
        var c = ClothingStyle()
        c.pattern = ClothingStyle.Pattern.allCases[rng.weighted([0.3, 0.3, 0.2, 0.2])]
        c.neckline = ClothingStyle.Neckline.allCases[rng.weighted([0.4, 0.25, 0.2, 0.15])]
        let value = rng.uniform(0.25, 0.85)
        c.primary = FaceColor(hue: rng.unit(), saturation: rng.uniform(0.2, 0.8), value: value)
        let contrast = value > 0.55 ? value - rng.uniform(0.3, 0.5) : value + rng.uniform(0.3, 0.5)
        c.secondary = FaceColor(hue: rng.unit(), saturation: rng.uniform(0, 0.7), value: contrast)
        c.period = rng.uniform(0.035, 0.08)
        switch c.pattern {
        case .stripes: c.angle = rng.pick([0, Double.pi / 2, Double.pi / 4, -Double.pi / 4]) + 0.05 * rng.normal()
        case .checks: c.angle = rng.pick([0, Double.pi / 4])
        default: c.angle = rng.uniform(0, Double.pi)
        }
        return c
    }

    static func background(_ rng: inout SplitMix64) -> BackgroundStyle {
        var b = BackgroundStyle()
        b.pattern = BackgroundStyle.Pattern.allCases[rng.weighted([0.15, 0.3, 0.2, 0.2, 0.15])]
        b.saturation = rng.uniform(0.15, 0.7)
        b.value = rng.uniform(0.45, 0.95)
        b.secondHueShift = rng.uniform(-0.25, 0.25)
        b.secondValue = max(0.15, min(1, b.value + (rng.chance(0.5) ? -1 : 1) * rng.uniform(0.15, 0.35)))
        b.period = rng.uniform(0.05, 0.15)
        b.angle = rng.uniform(0, Double.pi)
        return b
    }
}
