import Foundation
import SyntheticFaces
import Torch

/// What the synthetic domain knows that real photos do not: the true edited image. For an edit that changed a
/// face's attribute by Δ (as the classifier measures it), the truth is the same face — every detail kept — rendered
/// with the attribute changed by Δ from its true value. Comparing the edit with it rewards the intended change
/// and penalises everything else: lost details, moved features, entangled attributes.
public enum CounterfactualTruth {
    /// The attribute value the truth is rendered with: the true value moved by the measured change; 0/1 attributes
    /// take the edited image's predicted side, hue goes round the circle, the rest are clamped to their range.
    public static func value(attribute: FaceAttribute, trueValue: Double, measuredChange: Double,
                             editedPrediction: Double) -> Double {
        switch attribute {
        case .eyeglasses: return editedPrediction > 0.5 ? 1 : 0
        case .hairHue, .backgroundHue:
            let v = (trueValue + measuredChange).truncatingRemainder(dividingBy: 1)
            return v < 0 ? v + 1 : v
        default:
            return Swift.min(Swift.max(trueValue + measuredChange, attribute.range.lowerBound), attribute.range.upperBound)
        }
    }

    /// The truths for a batch: N×3×R×R in [-1, 1].
    public static func render(_ samples: [FaceSample], attribute: FaceAttribute, values: [Double], size: Int) -> Tensor {
        let renderer = FaceRenderer()
        return Tensor.cat(zip(samples, values).map { sample, v in
            ImageTensors.tensor(renderer.render(sample, with: sample.attributes.modified(attribute, to: v), size: size))
        }, dim: 0)
    }

    /// Real images that have the attribute (`positive`) or its opposite: other faces (`seed`) rendered with the
    /// attribute drawn from the top (or bottom) quarter of its range, or set to 1 (0) for 0/1 attributes. nil for
    /// circular attributes, which have no positive side.
    public static func attributeReference(attribute: FaceAttribute, positive: Bool, count: Int, seed: UInt64,
                                          size: Int) -> Tensor? {
        guard attribute != .hairHue, attribute != .backgroundHue else { return nil }
        let sampler = FaceSampler(seed: seed)
        let renderer = FaceRenderer()
        var rng = SplitMix64(seed: seed, stream: UInt64(FaceAttribute.allCases.firstIndex(of: attribute)!), purpose: positive ? 1 : 2)
        let range = attribute.range
        let quarter = (range.upperBound - range.lowerBound) / 4
        return Tensor.cat((0..<count).map { i in
            let sample = sampler.sample(i)
            let v: Double = attribute == .eyeglasses ? (positive ? 1 : 0)
                : positive ? Double.random(in: (range.upperBound - quarter)...range.upperBound, using: &rng)
                           : Double.random(in: range.lowerBound...(range.lowerBound + quarter), using: &rng)
            return ImageTensors.tensor(renderer.render(sample, with: sample.attributes.modified(attribute, to: v), size: size))
        }, dim: 0)
    }
}
