/// Everything about a synthetic portrait that is not a labelled attribute: hair style, frame style, skin details,
/// jewellery, clothing and background patterns, and the shape of the features. These are the fine details a
/// low-bit W code loses; they stay fixed when an attribute is edited (`FaceRenderer.render` with modified
/// attributes and the same details is the counterfactual image).
///
/// Positions on the head are in *surface coordinates* (a, b): b is the height relative to the head's centre and
/// a the arc length along the head from the face's midline, both in canvas units (1 = image width) at the
/// frontal pose. Things painted there follow the head when it turns and vanish round the far side.
public struct FaceDetails: Codable, Equatable, Sendable {
    public var hair: HairStyle
    public var glasses: GlassesStyle
    public var features: FeatureShape
    public var freckles: [SkinSpot]
    public var moles: [SkinSpot]
    public var marks: [SkinMark]
    public var earrings: Earrings?
    public var clothing: ClothingStyle
    public var background: BackgroundStyle
    /// Salt for hashed patterns (hair streaks, grey streaks): part of the face's identity.
    public var patternSalt: UInt64

    public init(hair: HairStyle = HairStyle(), glasses: GlassesStyle = GlassesStyle(), features: FeatureShape = FeatureShape(),
                freckles: [SkinSpot] = [], moles: [SkinSpot] = [], marks: [SkinMark] = [], earrings: Earrings? = nil,
                clothing: ClothingStyle = ClothingStyle(), background: BackgroundStyle = BackgroundStyle(),
                patternSalt: UInt64 = 0) {
        self.hair = hair
        self.glasses = glasses
        self.features = features
        self.freckles = freckles
        self.moles = moles
        self.marks = marks
        self.earrings = earrings
        self.clothing = clothing
        self.background = background
        self.patternSalt = patternSalt
    }
}

public struct HairStyle: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// Close to the head, ears free.
        case short
        /// Chin length, covering the ears.
        case bob
        /// Past the shoulders, covering the ears, locks over the shoulders.
        case long
        /// Short at the sides with a bun on top.
        case bun
        /// A big curly volume with a bumpy outline.
        case curly
    }
    public enum Fringe: String, Codable, CaseIterable, Sendable { case none, straight, side }

    public var kind: Kind
    public var fringe: Fringe
    /// HSV value of the hair colour (its hue is the `hairHue` attribute).
    public var lightness: Double
    /// HSV saturation of the hair colour.
    public var saturation: Double
    /// −1 low … 1 high (receding) hairline.
    public var hairline: Double
    /// Where the parting is, −1 … 1 across the head.
    public var parting: Double
    /// Extra thickness of the hair volume, 0 … 1.
    public var volume: Double
    /// Thin curves on the scalp, in surface coordinates (they follow the head).
    public var scalpStrands: [HairStrand]
    /// Thin curves in the hair volume and flyaways beyond its outline, relative to the hair volume's centre.
    public var volumeStrands: [HairStrand]

    public init(kind: Kind = .short, fringe: Fringe = .none, lightness: Double = 0.4, saturation: Double = 0.5,
                hairline: Double = 0, parting: Double = 0.3, volume: Double = 0.5,
                scalpStrands: [HairStrand] = [], volumeStrands: [HairStrand] = []) {
        self.kind = kind
        self.fringe = fringe
        self.lightness = lightness
        self.saturation = saturation
        self.hairline = hairline
        self.parting = parting
        self.volume = volume
        self.scalpStrands = scalpStrands
        self.volumeStrands = volumeStrands
    }

    /// Whether this style hides the ears (and so any earrings).
    public var coversEars: Bool { kind == .bob || kind == .long || kind == .curly }
}

/// A thin hair curve: a quadratic Bézier from `p0` through control `p1` to `p2`.
public struct HairStrand: Codable, Equatable, Sendable {
    public var p0: SIMD2<Double>
    public var p1: SIMD2<Double>
    public var p2: SIMD2<Double>
    /// Line width in canvas units.
    public var width: Double
    /// −1 darker … 1 lighter than the hair.
    public var shade: Double
    /// The strand turns grey when the age's grey fraction exceeds this rank (0 … 1).
    public var greyRank: Double

    public init(p0: SIMD2<Double>, p1: SIMD2<Double>, p2: SIMD2<Double>, width: Double, shade: Double, greyRank: Double) {
        self.p0 = p0
        self.p1 = p1
        self.p2 = p2
        self.width = width
        self.shade = shade
        self.greyRank = greyRank
    }
}

public struct GlassesStyle: Codable, Equatable, Sendable {
    public enum Shape: String, Codable, CaseIterable, Sendable { case round, rectangular, catEye, aviator }
    public var shape: Shape
    public var frameColor: FaceColor
    /// Frame line width in canvas units.
    public var thickness: Double
    /// Lens darkness: 0 clear … 0.9 sunglasses.
    public var tint: Double
    /// Lens size relative to the default, 0.85 … 1.2.
    public var size: Double

    public init(shape: Shape = .rectangular, frameColor: FaceColor = FaceColor(gray: 0.08), thickness: Double = 0.007,
                tint: Double = 0, size: Double = 1) {
        self.shape = shape
        self.frameColor = frameColor
        self.thickness = thickness
        self.tint = tint
        self.size = size
    }
}

/// The face's own proportions and colours (its identity, apart from the attributes).
public struct FeatureShape: Codable, Equatable, Sendable {
    public var eyeSize: Double
    public var irisColor: FaceColor
    public var browThickness: Double
    public var browArch: Double
    /// Brow colour (independent of the hair hue, so a hair-hue edit stays in the hair).
    public var browColor: FaceColor
    public var noseLength: Double
    public var noseWidth: Double
    public var mouthWidth: Double
    public var lipColor: FaceColor
    public var lipFullness: Double
    /// Cheek blush strength, 0 … 1.
    public var blush: Double
    /// How much the jaw narrows towards the chin, 0 … 1.
    public var jaw: Double

    public init(eyeSize: Double = 1, irisColor: FaceColor = FaceColor(0.3, 0.2, 0.1), browThickness: Double = 1,
                browArch: Double = 0.5, browColor: FaceColor = FaceColor(0.2, 0.14, 0.1), noseLength: Double = 1,
                noseWidth: Double = 1, mouthWidth: Double = 1, lipColor: FaceColor = FaceColor(0.75, 0.38, 0.38),
                lipFullness: Double = 1, blush: Double = 0.3, jaw: Double = 0.5) {
        self.eyeSize = eyeSize
        self.irisColor = irisColor
        self.browThickness = browThickness
        self.browArch = browArch
        self.browColor = browColor
        self.noseLength = noseLength
        self.noseWidth = noseWidth
        self.mouthWidth = mouthWidth
        self.lipColor = lipColor
        self.lipFullness = lipFullness
        self.blush = blush
        self.jaw = jaw
    }
}

/// A round skin spot (freckle or mole) at surface coordinates (a, b).
public struct SkinSpot: Codable, Equatable, Sendable {
    public var a: Double
    public var b: Double
    public var radius: Double
    /// Opacity 0 … 1.
    public var strength: Double

    public init(a: Double, b: Double, radius: Double, strength: Double) {
        self.a = a
        self.b = b
        self.radius = radius
        self.strength = strength
    }
}

/// A small scar or mark: a short line on the skin in surface coordinates.
public struct SkinMark: Codable, Equatable, Sendable {
    public var from: SIMD2<Double>
    public var to: SIMD2<Double>
    public var width: Double
    /// true: paler than the skin (a scar); false: darker, reddish (a scratch or birthmark line).
    public var pale: Bool

    public init(from: SIMD2<Double>, to: SIMD2<Double>, width: Double, pale: Bool) {
        self.from = from
        self.to = to
        self.width = width
        self.pale = pale
    }
}

public struct Earrings: Codable, Equatable, Sendable {
    public enum Style: String, Codable, CaseIterable, Sendable { case stud, hoop, drop }
    public enum Sides: String, Codable, CaseIterable, Sendable { case both, left, right }
    public var style: Style
    public var sides: Sides
    public var color: FaceColor
    public var size: Double

    public init(style: Style, sides: Sides, color: FaceColor, size: Double) {
        self.style = style
        self.sides = sides
        self.color = color
        self.size = size
    }
}

public struct ClothingStyle: Codable, Equatable, Sendable {
    public enum Pattern: String, Codable, CaseIterable, Sendable { case plain, stripes, checks, dots }
    public enum Neckline: String, Codable, CaseIterable, Sendable { case crew, vNeck, collar, turtleneck }
    public var pattern: Pattern
    public var neckline: Neckline
    public var primary: FaceColor
    public var secondary: FaceColor
    /// Pattern period in canvas units.
    public var period: Double
    /// Pattern angle in radians.
    public var angle: Double

    public init(pattern: Pattern = .plain, neckline: Neckline = .crew, primary: FaceColor = FaceColor(0.2, 0.3, 0.6),
                secondary: FaceColor = FaceColor(gray: 0.9), period: Double = 0.06, angle: Double = 0) {
        self.pattern = pattern
        self.neckline = neckline
        self.primary = primary
        self.secondary = secondary
        self.period = period
        self.angle = angle
    }
}

/// The background's pattern; its main hue is the `backgroundHue` attribute.
public struct BackgroundStyle: Codable, Equatable, Sendable {
    public enum Pattern: String, Codable, CaseIterable, Sendable { case plain, gradient, stripes, dots, checks }
    public var pattern: Pattern
    public var saturation: Double
    public var value: Double
    /// The second colour's hue offset from the main hue (−0.5 … 0.5) and its value.
    public var secondHueShift: Double
    public var secondValue: Double
    public var period: Double
    public var angle: Double

    public init(pattern: Pattern = .gradient, saturation: Double = 0.4, value: Double = 0.8, secondHueShift: Double = 0.1,
                secondValue: Double = 0.5, period: Double = 0.1, angle: Double = 0.5) {
        self.pattern = pattern
        self.saturation = saturation
        self.value = value
        self.secondHueShift = secondHueShift
        self.secondValue = secondValue
        self.period = period
        self.angle = angle
    }
}

/// One sampled portrait: its attributes and details. `with(_:)` gives the counterfactual.
public struct FaceSample: Codable, Equatable, Sendable {
    public var attributes: FaceAttributes
    public var details: FaceDetails

    public init(attributes: FaceAttributes, details: FaceDetails) {
        self.attributes = attributes
        self.details = details
    }

    /// The same face (details and every other attribute) with different attributes.
    public func with(_ attributes: FaceAttributes) -> FaceSample { FaceSample(attributes: attributes, details: details) }

    /// The same face with one attribute changed.
    public func modified(_ attribute: WritableKeyPath<FaceAttributes, Double>, to value: Double) -> FaceSample {
        with(attributes.modified(attribute, to: value))
    }
}
