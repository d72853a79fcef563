/// The parts of a synthetic portrait that masks are reported for. A pixel can belong to several (anti-aliased
/// boundaries, and the mouth and eye zones lie on the face's skin).
public enum FaceRegion: Int, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// Everything behind the person.
    case background = 0
    /// Skin: the face, ears and neck, with what is painted on them (freckles, moles, marks, wrinkles, nose,
    /// earrings) and the mouth and eye zones.
    case face = 1
    /// Hair: the hair volume, the hair on the scalp, fringe, long locks, strands and flyaways.
    case hair = 2
    /// The eye zone: a band across the face at eye height, from ear to ear, taller than the eyes, that holds the
    /// eyes, brows and every part of eyeglasses (lenses, frames, bridge, temple arms). Fixed by the head's
    /// layout, not by the eyeglasses attribute, so a face with and without glasses has the same eye zone.
    case eyes = 3
    /// The mouth zone: an ellipse around the mouth that holds the lips, teeth and smile lines at every smile
    /// value (so smile −1 and +1 have the same zone).
    case mouth = 4
    /// Clothing on the shoulders.
    case clothing = 5

    public var description: String {
        switch self {
        case .background: return "background"
        case .face: return "face"
        case .hair: return "hair"
        case .eyes: return "eyes"
        case .mouth: return "mouth"
        case .clothing: return "clothing"
        }
    }

    @inline(__always) var bit: UInt8 { 1 << UInt8(rawValue) }
}

/// A set of regions as bits (one byte per sub-sample in the renderer's buffers).
struct RegionBits: Equatable {
    var raw: UInt8
    init(_ raw: UInt8) { self.raw = raw }
    init(_ regions: FaceRegion...) { raw = regions.reduce(0) { $0 | $1.bit } }
    static let background = RegionBits(.background), face = RegionBits(.face), hair = RegionBits(.hair),
               eyes = RegionBits(.eyes), mouth = RegionBits(.mouth), clothing = RegionBits(.clothing)
    @inline(__always) func union(_ o: RegionBits) -> RegionBits { RegionBits(raw | o.raw) }
    @inline(__always) func contains(_ r: FaceRegion) -> Bool { raw & r.bit != 0 }
}
