import Foundation
import ImageIO
import SyntheticFaces
import Torch

/// The images an evaluation protocol runs on: the encoder's inputs, the targets at the generator's resolution, and
/// — for synthetic faces rendered here — what the renderer knows: each face's attributes and details (so the true
/// edited image can be rendered) and its region masks (so "outside the edited region" is exact).
public struct HeldOutSet {
    public var names: [String]
    /// N×3×S×S in [-1, 1] at the encoder's input size.
    public var inputs: Tensor
    /// N×3×R×R in [-1, 1] at the generator's resolution: what reconstructions are compared with.
    public var targets: Tensor
    /// Rendered faces only.
    public var samples: [FaceSample]?
    public var masks: [[FaceRegion: [Bool]]]?
    public var notes: [String] = []

    public var count: Int { names.count }
    public var resolution: Int { targets.size(2) }

    /// The rendering seed of the bundled model's training faces.
    public static let bundledTrainingSeed: UInt64 = 1

    /// The most memory a set may take: the whole set (and the protocols' results on it) is held at once.
    public static let maxInMemoryBytes = InMemoryLimit.bytes

    /// Bytes one image takes: the input, the target and (rendered faces) one mask byte per region and pixel.
    static func bytesPerImage(inputSize: Int, resolution: Int, masks: Bool) -> Int {
        3 * 4 * (inputSize * inputSize + resolution * resolution) + (masks ? FaceRegion.allCases.count * resolution * resolution : 0)
    }

    /// Throws when `count` images do not fit in `maxInMemoryBytes`.
    static func checkFits(_ count: Int, inputSize: Int, resolution: Int, masks: Bool) throws {
        let most = maxInMemoryBytes / bytesPerImage(inputSize: inputSize, resolution: resolution, masks: masks)
        guard count <= most else {
            throw PipelineError("\(count) held-out images (\(inputSize)² inputs, \(resolution)² targets) do not fit in memory: "
                                + "at most \(most)")
        }
    }

    /// `count` faces rendered with `seed` (the bundled model was trained on seed 1: use another one).
    public static func synthetic(count: Int, seed: UInt64, inputSize: Int, resolution: Int) throws -> HeldOutSet {
        guard count >= 1 else { throw PipelineError("the held-out set needs at least 1 image, got \(count)") }
        try checkFits(count, inputSize: inputSize, resolution: resolution, masks: true)
        let sampler = FaceSampler(seed: seed)
        let renderer = FaceRenderer()
        var inputs: [Tensor] = [], targets: [Tensor] = [], samples: [FaceSample] = [], masks: [[FaceRegion: [Bool]]] = []
        for i in 0..<count {
            let sample = sampler.sample(i)
            samples.append(sample)
            inputs.append(ImageTensors.tensor(renderer.render(sample, size: inputSize)))
            let r = renderer.renderWithMasks(sample, size: resolution)
            targets.append(ImageTensors.tensor(r.image))
            var m: [FaceRegion: [Bool]] = [:]
            for region in FaceRegion.allCases { m[region] = r.mask(region) }
            masks.append(m)
        }
        return HeldOutSet(names: (0..<count).map { String(format: "face%05d", $0) }, inputs: Tensor.cat(inputs, dim: 0),
                          targets: Tensor.cat(targets, dim: 0), samples: samples, masks: masks,
                          notes: ["\(count) synthetic faces rendered with seed \(seed) " + (seed == bundledTrainingSeed
                              ? "(not held out: the bundled model was trained on these faces)"
                              : "(held out: the bundled model was trained on seed \(bundledTrainingSeed))")])
    }

    /// The first `count` images of a folder (sorted by name), brought to the encoder's size and the generator's.
    public static func folder(_ url: URL, count: Int?, inputSize: Int, resolution: Int) throws -> HeldOutSet {
        let files = try InputImages(url)
        let n = Swift.min(count ?? files.count, files.count)
        guard n >= 1 else { throw PipelineError("\(url.path): no images to evaluate") }
        try checkFits(n, inputSize: inputSize, resolution: resolution, masks: false)
        var notes: [String] = []
        let inputs = try files.batch(0..<n, size: inputSize, notes: &notes)
        let targets = try files.batch(0..<n, size: resolution, notes: &notes)
        return HeldOutSet(names: Array(files.stems.prefix(n)), inputs: inputs, targets: targets, samples: nil, masks: nil,
                          notes: notes + ["\(n) images from \(url.path)"])
    }

    /// The mask of `region` for image `i` as a 1×1×R×R float tensor (1 inside), or nil when masks are unknown.
    public func mask(_ region: FaceRegion, image i: Int) -> Tensor? {
        guard let m = masks?[i][region] else { return nil }
        return Tensor(m.map { $0 ? Float(1) : 0 }, shape: [1, 1, resolution, resolution])
    }
}
