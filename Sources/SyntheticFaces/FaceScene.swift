import Foundation

/// Everything the painters need for one portrait, derived once from its attributes and details: the head
/// geometry, lighting, colours and the layout of the features in surface coordinates.
struct FaceScene {
    let attributes: FaceAttributes
    let details: FaceDetails
    let head: HeadGeometry

    // Lighting.
    let light: SIMD3<Float>
    let lightColor: FaceColor

    // Colours.
    let skin: FaceColor
    let hairColor: FaceColor
    let greyColor: FaceColor
    /// Fraction of hair streaks and strands that are grey (from age).
    let greyFraction: Float
    /// Wrinkle strength (from age), 0…1.
    let wrinkles: Float

    // Feature layout in surface coordinates (a across, b down from the head's centre).
    let eyeA: Float, eyeB: Float, eyeHalfWidth: Float, eyeHalfHeight: Float
    let browB: Float, browHalfWidth: Float, browThickness: Float
    let noseB: Float, noseHalfWidth: Float, noseTipShift: Float
    let mouthB: Float, mouthHalfWidth: Float, smileDepth: Float, mouthOpen: Float
    let smile: Float
    /// The mouth's half-width at a neutral smile (what nothing outside the mouth zone may depend on smile through).
    let mouthBaseHalfWidth: Float
    /// The mouth zone: an ellipse (centre b, half-axes) that holds the mouth at every smile value.
    let mouthZoneB: Float, mouthZoneA: Float, mouthZoneHalfHeight: Float
    /// The eye zone: the band of heights [top, bottom] across the head.
    let eyeZoneTop: Float, eyeZoneBottom: Float
    let glassesOn: Bool

    // Hair.
    let hairlineBase: Float
    let hairVolumeX: Float, hairVolumeY: Float, hairVolumeHalfWidth: Float, hairVolumeHalfHeight: Float
    let hairBottom: Float
    let scalpStrands: [(stroke: Stroke, color: FaceColor)]
    let volumeStrands: [(stroke: Stroke, color: FaceColor)]
    let freckles: [SkinSpot]
    let moles: [SkinSpot]
    let marks: [(stroke: Stroke, pale: Bool)]

    // Body.
    let neckX: Float, neckHalfWidth: Float
    /// Height of the shoulders' top at the neck (layout units).
    let shoulderTop: Float = 0.765

    init(attributes raw: FaceAttributes, details: FaceDetails) {
        var a = raw
        for attribute in FaceAttribute.allCases {
            let r = attribute.range
            a[attribute] = min(max(a[attribute].isFinite ? a[attribute] : 0, r.lowerBound), r.upperBound)
        }
        attributes = a
        self.details = details
        let f = details.features
        head = HeadGeometry(attributes: a, features: f)

        let ld = Float(a.lightDirection), le = Float(a.lightElevation)
        var l = SIMD3<Float>(0.85 * ld, -(0.12 + 0.6 * le), 0.9)
        l /= (l * l).sum().squareRoot()
        light = l
        let w = Float(a.lightWarmth)
        lightColor = FaceColor(1 + 0.07 * w, 1 + 0.005 * w, 1 - 0.09 * w)

        skin = FaceScene.skinColor(tone: Float(a.skinTone))
        let age = Float(a.age)
        hairColor = FaceColor(hue: a.hairHue, saturation: details.hair.saturation, value: details.hair.lightness)
        greyColor = FaceColor(0.74, 0.74, 0.76).mixed(FaceColor(gray: 0.93), Float(details.hair.lightness) * 0.5)
        greyFraction = 0.8 * smoothstep(0.35, 1.0, age)
        wrinkles = smoothstep(0.3, 1.0, age)

        // Features: slightly lower with age ("sagging").
        let rx = head.rx
        eyeA = rx * (0.385 + 0.055 * Float(a.eyeSpacing))
        eyeB = -0.006 + 0.01 * age
        eyeHalfWidth = 0.027 * Float(f.eyeSize)
        eyeHalfHeight = 0.0125 * Float(f.eyeSize) * (1 - 0.12 * age)
        browB = eyeB - 0.03 - 0.004 * Float(f.browArch) + 0.004 * age
        browHalfWidth = 0.031 * (0.9 + 0.1 * Float(f.eyeSize))
        browThickness = 0.0075 * Float(f.browThickness)
        noseB = 0.078 * Float(f.noseLength) + 0.009 * age
        noseHalfWidth = 0.0125 * Float(f.noseWidth)
        noseTipShift = 0.028 * Float(f.noseLength) * tan(head.sinPsi == 0 ? 0 : asin(head.sinPsi))
        mouthB = 0.148 + 0.012 * age
        smile = Float(a.smile)
        let baseMouth = 0.041 * Float(f.mouthWidth)
        mouthBaseHalfWidth = baseMouth
        mouthHalfWidth = baseMouth * (1 + 0.12 * smile)
        smileDepth = 0.021 * smile
        mouthOpen = 0.02 * smoothstep(0.3, 1.0, smile)
        mouthZoneB = mouthB + 0.004
        mouthZoneA = baseMouth * 1.12 + 0.026
        mouthZoneHalfHeight = 0.043
        eyeZoneTop = eyeB - 0.057
        eyeZoneBottom = eyeB + 0.045
        glassesOn = a.eyeglasses >= 0.5

        // Hair.
        let hair = details.hair
        hairlineBase = -0.112 - 0.02 * Float(hair.hairline) - 0.012 * age
        let half0 = head.silhouetteHalfWidth(0)
        var hw = half0 + 0.016 + 0.022 * Float(hair.volume)
        var hh = head.ry + 0.028 + 0.016 * Float(hair.volume)
        if hair.kind == .curly {
            hw *= 1.22
            hh *= 1.08
        }
        hairVolumeX = head.cx - 0.022 * head.sinPsi
        hairVolumeY = head.cy - 0.026
        hairVolumeHalfWidth = hw
        hairVolumeHalfHeight = hh
        switch hair.kind {
        case .short, .bun: hairBottom = head.cy + 0.02
        case .bob: hairBottom = head.cy + 0.19
        case .long: hairBottom = head.cy + 0.47
        case .curly: hairBottom = head.cy + 0.2
        }

        let hc = hairColor, gc = greyColor, gf = greyFraction
        func strandColor(_ s: HairStrand) -> FaceColor {
            let rank = Float(s.greyRank)
            let base = hc.mixed(gc, smoothstep(rank - 0.12, rank + 0.12, gf * 1.15))
            let shade = Float(s.shade)
            return shade >= 0 ? base.mixed(.white, 0.3 * shade) : base * (1 + 0.4 * shade)
        }
        scalpStrands = hair.scalpStrands.map {
            (Stroke(p0: $0.p0.float, p1: $0.p1.float, p2: $0.p2.float, halfWidth: Float($0.width) / 2), strandColor($0))
        }
        let vx = hairVolumeX, vy = hairVolumeY
        volumeStrands = hair.volumeStrands.map {
            func place(_ p: SIMD2<Double>) -> SIMD2<Float> { SIMD2(vx + Float(p.x) * hw, vy + Float(p.y) * hh) }
            return (Stroke(p0: place($0.p0), p1: place($0.p1), p2: place($0.p2), halfWidth: Float($0.width) / 2), strandColor($0))
        }
        freckles = details.freckles
        moles = details.moles
        marks = details.marks.map { (Stroke(points: [$0.from.float, $0.to.float], halfWidth: Float($0.width) / 2), $0.pale) }

        neckX = 0.5 + 0.55 * (head.cx - 0.5)
        neckHalfWidth = 0.064 * (1 + 0.1 * Float(a.faceWidth)) + 0.004 * age
    }

    /// Skin colour along a light-to-dark ramp.
    static func skinColor(tone: Float) -> FaceColor {
        let stops: [FaceColor] = [FaceColor(0.97, 0.82, 0.72), FaceColor(0.86, 0.66, 0.52), FaceColor(0.68, 0.47, 0.33),
                                  FaceColor(0.45, 0.29, 0.2), FaceColor(0.3, 0.19, 0.13)]
        let t = clamp01(tone) * Float(stops.count - 1)
        let i = min(Int(t), stops.count - 2)
        return stops[i].mixed(stops[i + 1], t - Float(i))
    }

    /// Diffuse shading for a view-space normal, multiplied by the light colour.
    @inline(__always) func lit(_ base: FaceColor, normal: SIMD3<Float>, ambient: Float = 0.45, diffuse: Float = 0.62) -> FaceColor {
        let d = max(0, (normal * light).sum())
        return base * lightColor * (ambient + diffuse * d)
    }
}
