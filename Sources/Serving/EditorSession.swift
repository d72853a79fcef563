import Foundation
import ImageIO
import Models
import Pipelines
import Torch

/// The one place where the editor calls the Pipelines API: load the bundle and its directions, invert an image
/// once per method (cached), and render an edit {direction: σ} through that method (`InversionMethod`: e4e, the
/// bundle's GradStyle networks, HFGI).
///
/// Not thread-safe: every call runs on the `EditWorker` thread, one at a time.
public final class EditorSession {
    public struct Direction: Codable, Equatable {
        public var name: String
        /// One standard deviation of the codes along the direction, in the direction's own strength units.
        public var sigma: Double
    }

    /// Method names in display order ("e4e", "single-stage", "hfgi", "gradstyle").
    public let methodNames: [String]
    public let directions: [Direction]
    /// The encoder's input side and the generator's output side.
    public let inputSize: Int
    public let resolution: Int

    private let methods: EvaluatedMethods
    private let library: DirectionLibrary
    private let device: Device
    /// Inversions by image id, then method name: the code and the Reconstruction Stream's features, so a slider
    /// move runs only the Editing Stream.
    private var inversions: [String: [String: Reconstruction]] = [:]
    /// How many inversions were computed (the cache's misses), for tests and the log.
    public private(set) var inversionCount = 0

    /// `models`: a GradStyle bundle, optionally followed by an HFGI checkpoint (gives the `hfgi` method).
    /// `directionsFolder`: direction files (default: `directions/` beside the bundle); none gives no sliders.
    public init(models: [URL], directionsFolder: URL?, device: Device) throws {
        methods = try EvaluatedMethods(bundles: models, device: device)
        methodNames = methods.methods.map(\.name)
        inputSize = methods.inputSize
        resolution = methods.resolution
        self.device = device
        let folder = directionsFolder ?? models[0].deletingLastPathComponent().appendingPathComponent("directions")
        if directionsFolder != nil || FileManager.default.fileExists(atPath: folder.path) {
            library = try DirectionLibrary(folder: folder, styleDim: methods.styleDim)
        } else {
            library = DirectionLibrary(styleDim: methods.styleDim)
        }
        directions = library.names.map {
            Direction(name: $0, sigma: DirectionScale.standardDeviation(folder.appendingPathComponent("\($0).json")) ?? 1)
        }
    }

    /// The demo's held-out faces (a rendering seed never used in training): encoder inputs and generator-size
    /// originals.
    public func heldOutFaces(count: Int) throws -> [(name: String, input: Tensor, original: Tensor)] {
        let seed = DemoJob(modelURL: URL(fileURLWithPath: "/"), out: URL(fileURLWithPath: "/")).seed
        let set = try HeldOutSet.synthetic(count: count, seed: seed, inputSize: inputSize, resolution: resolution)
        return (0..<set.count).map { (set.names[$0], set.inputs[$0..<($0 + 1)], set.targets[$0..<($0 + 1)]) }
    }

    /// An image file brought to the encoder's input and to the generator's size (center-cropped when not square);
    /// `notes` say what was changed.
    public func load(_ file: URL, notes: inout [String]) throws -> (input: Tensor, original: Tensor) {
        let images = try InputImages(file)
        return (try images.load(0, size: inputSize, notes: &notes), try images.load(0, size: resolution, notes: &notes))
    }

    /// The edited face for image `id` (input `x`, 1×3×S×S) with `method` and strengths in σ per direction.
    public func render(id: String, input x: Tensor, method: String, strengths: [String: Double]) throws -> RasterImage {
        guard let m = methods.methods.first(where: { $0.name == method }) else {
            throw EditorError(.badRequest, "unknown method '\(method)': expected one of \(methodNames.joined(separator: ", "))")
        }
        let rec = try inversion(id: id, input: x, method: m)
        var w = rec.latent
        for name in strengths.keys.sorted() {
            guard let direction = directions.first(where: { $0.name == name }) else {
                throw EditorError(.badRequest, "unknown direction '\(name)': expected one of \(directions.map(\.name).joined(separator: ", "))")
            }
            let s = strengths[name]!
            if s != 0 { w = try library.edit(named: name).apply(w, strength: s * direction.sigma) }
        }
        let image = try withTorchErrors { m.repeats[0].render(rec, editedLatent: w) }
        return try ImageTensors.rasterImages(image)[0]
    }

    /// Drops the cached inversions of an image that is no longer held.
    public func forget(id: String) {
        inversions[id] = nil
    }

    private func inversion(id: String, input x: Tensor, method: EvaluatedMethods.Method) throws -> Reconstruction {
        if let cached = inversions[id]?[method.name] { return cached }
        let rec = try withTorchErrors { method.repeats[0].invert(x.to(device: device)) }
        inversions[id, default: [:]][method.name] = rec
        inversionCount += 1
        return rec
    }
}
