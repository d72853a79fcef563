import Foundation

/// How strong an edit of strength 1 is: `directions fit` records in NAME.json the standard deviation of the
/// training codes' projections on the direction (`projection_std`), so strengths can be given in standard
/// deviations and mean the same for every direction.
public enum DirectionScale {
    /// `projection_std` from a direction's .json; nil when the file or the field is missing.
    public static func standardDeviation(_ json: URL) -> Double? {
        guard let data = try? Data(contentsOf: json),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let std = object["projection_std"] as? Double, std > 0, std.isFinite else { return nil }
        return std
    }
}
