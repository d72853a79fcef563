import Foundation
import ImageIO
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

    /// The truths for a batch: N×3×R×R in [-1, 1]. The faces are rendered in parallel: at 128² the renderer is a
    /// sixth of the demo's time, and each face is pure Swift on its own.
    public static func render(_ samples: [FaceSample], attribute: FaceAttribute, values: [Double], size: Int) -> Tensor {
        precondition(samples.count == values.count, "one value per sample")
        let renderer = FaceRenderer()
        var images = [RasterImage?](repeating: nil, count: samples.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: samples.count) { i in
            let image = renderer.render(samples[i], with: samples[i].attributes.modified(attribute, to: values[i]), size: size)
            lock.withLock { images[i] = image }
        }
        return Tensor.cat(images.map { ImageTensors.tensor($0!) }, dim: 0)
    }

    /// One attribute's truths for a fixed set of faces, each rendered once per value: eyeglasses' truths take only
    /// two values and clamped edits meet at the range's ends, so a strength sweep over several methods asks for the
    /// same image again and again.
    final class Memo {
        let samples: [FaceSample]
        let attribute: FaceAttribute
        let size: Int
        /// Face → value's bit pattern → image. Bits, not the Double: a NaN value (a classifier reading NaN) must
        /// find its own image again, and NaN equals nothing.
        private var rendered: [Int: [UInt64: Tensor]] = [:]

        init(samples: [FaceSample], attribute: FaceAttribute, size: Int) {
            (self.samples, self.attribute, self.size) = (samples, attribute, size)
        }

        /// N×3×R×R: face i rendered with the attribute at values[i].
        func images(values: [Double]) -> Tensor {
            let missing = values.indices.filter { rendered[$0]?[values[$0].bitPattern] == nil }
            if !missing.isEmpty {
                let new = CounterfactualTruth.render(missing.map { samples[$0] }, attribute: attribute,
                                                     values: missing.map { values[$0] }, size: size)
                for (k, i) in missing.enumerated() { rendered[i, default: [:]][values[i].bitPattern] = new[k..<(k + 1)] }
            }
            return Tensor.cat(values.indices.map { rendered[$0]![values[$0].bitPattern]! }, dim: 0)
        }
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
