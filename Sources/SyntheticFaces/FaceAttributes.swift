/// The continuous attributes of a synthetic portrait: the five that editing changes (smile, yaw, age,
/// eyeglasses, hair hue) and the nuisance factors that vary between faces. Every field goes to the labels CSV.
/// Values outside the documented ranges are clamped by the renderer.
public struct FaceAttributes: Codable, Equatable, Hashable, Sendable {
    // Editable attributes.
    /// Mouth curvature: −1 a frown, 0 neutral, 1 a broad open smile (teeth show above about 0.35). Local: mouth.
    public var smile: Double
    /// Head turn: −1 turned to the image's left, 1 to the image's right (about ±37°). Features slide across the
    /// head and the far side foreshortens; the outline, nose, ears and hair move. Global (the whole head).
    public var yaw: Double
    /// 0 young … 1 old: grey hair fraction, forehead / eye / nasolabial wrinkles, slightly lower eyes and mouth,
    /// heavier jaw. Global (face and hair).
    public var age: Double
    /// 0 or 1: eyeglasses in the face's own frame style (`FaceDetails.glasses`). Local: eyes.
    public var eyeglasses: Double
    /// Hair colour hue on the colour wheel, 0…1 (lightness and saturation are per-face details). Local: hair.
    public var hairHue: Double

    // Nuisance factors.
    /// 0 light … 1 dark skin.
    public var skinTone: Double
    /// −1 narrow … 1 wide face (±12 %).
    public var faceWidth: Double
    /// −1 close … 1 wide-set eyes.
    public var eyeSpacing: Double
    /// Horizontal light direction: −1 from the image's left, 1 from its right.
    public var lightDirection: Double
    /// 0 level … 1 from above.
    public var lightElevation: Double
    /// −1 cool (bluish) … 1 warm (yellowish) light.
    public var lightWarmth: Double
    /// Background colour hue, 0…1. Local: background.
    public var backgroundHue: Double

    public init(smile: Double = 0, yaw: Double = 0, age: Double = 0.3, eyeglasses: Double = 0, hairHue: Double = 0.08,
                skinTone: Double = 0.3, faceWidth: Double = 0, eyeSpacing: Double = 0, lightDirection: Double = 0.3,
                lightElevation: Double = 0.5, lightWarmth: Double = 0, backgroundHue: Double = 0.55) {
        self.smile = smile
        self.yaw = yaw
        self.age = age
        self.eyeglasses = eyeglasses
        self.hairHue = hairHue
        self.skinTone = skinTone
        self.faceWidth = faceWidth
        self.eyeSpacing = eyeSpacing
        self.lightDirection = lightDirection
        self.lightElevation = lightElevation
        self.lightWarmth = lightWarmth
        self.backgroundHue = backgroundHue
    }

    /// A copy with one attribute changed: `attributes.modified(\.smile, to: 0.8)`.
    public func modified(_ attribute: WritableKeyPath<FaceAttributes, Double>, to value: Double) -> FaceAttributes {
        var copy = self
        copy[keyPath: attribute] = value
        return copy
    }

    /// A copy with one attribute changed, named by `FaceAttribute`.
    public func modified(_ attribute: FaceAttribute, to value: Double) -> FaceAttributes {
        modified(attribute.keyPath, to: value)
    }

    public subscript(attribute: FaceAttribute) -> Double {
        get { self[keyPath: attribute.keyPath] }
        set { self[keyPath: attribute.keyPath] = newValue }
    }
}

/// Each attribute by name, with its labels-CSV column, its range and the region it is confined to.
public enum FaceAttribute: String, CaseIterable, Codable, Sendable {
    case smile, yaw, age, eyeglasses, hairHue, skinTone, faceWidth, eyeSpacing, lightDirection, lightElevation,
         lightWarmth, backgroundHue

    /// The five attributes that editing changes (the others are nuisance factors).
    public static let editable: [FaceAttribute] = [.smile, .yaw, .age, .eyeglasses, .hairHue]

    public var keyPath: WritableKeyPath<FaceAttributes, Double> {
        switch self {
        case .smile: return \.smile
        case .yaw: return \.yaw
        case .age: return \.age
        case .eyeglasses: return \.eyeglasses
        case .hairHue: return \.hairHue
        case .skinTone: return \.skinTone
        case .faceWidth: return \.faceWidth
        case .eyeSpacing: return \.eyeSpacing
        case .lightDirection: return \.lightDirection
        case .lightElevation: return \.lightElevation
        case .lightWarmth: return \.lightWarmth
        case .backgroundHue: return \.backgroundHue
        }
    }

    /// The labels-CSV column (snake case).
    public var column: String {
        switch self {
        case .hairHue: return "hair_hue"
        case .skinTone: return "skin_tone"
        case .faceWidth: return "face_width"
        case .eyeSpacing: return "eye_spacing"
        case .lightDirection: return "light_direction"
        case .lightElevation: return "light_elevation"
        case .lightWarmth: return "light_warmth"
        case .backgroundHue: return "background_hue"
        default: return rawValue
        }
    }

    /// The documented range (values outside are clamped when rendering). Eyeglasses is 0 or 1.
    public var range: ClosedRange<Double> {
        switch self {
        case .smile, .yaw, .faceWidth, .eyeSpacing, .lightDirection, .lightWarmth: return -1...1
        default: return 0...1
        }
    }

    /// The region whose pixels are the only ones a change of this attribute alone can change, with every other
    /// attribute and detail kept; nil for global attributes (yaw moves the whole head; age greys hair and adds
    /// wrinkles; skin tone, face width, eye spacing and lighting change the whole person).
    public var region: FaceRegion? {
        switch self {
        case .smile: return .mouth
        case .eyeglasses: return .eyes
        case .hairHue: return .hair
        case .backgroundHue: return .background
        default: return nil
        }
    }
}
