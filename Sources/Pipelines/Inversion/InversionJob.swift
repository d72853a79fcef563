import Foundation
import ImageIO
import Models
import TensorIO
import Torch

/// `gradstyle invert`: real images → W+ latents → reconstructions, with any `InversionMethod` (by default e4e — an
/// encoder and its generator; pSp models run the same way — or HFGI for an HFGI checkpoint).
///
/// Inputs are one image or every PNG/JPEG of a folder (`InputImages`: sorted, not recursive; non-square images are
/// center-cropped, other sizes resized to the encoder's input with antialiased bilinear filtering — each said in a
/// note). Latents are the encoder's codes plus the model's latent_avg, as pSp/e4e's inference adds it.
/// Reconstructions are synthesised with the generator's constant noise (e4e's `randomize_noise=False`) and written
/// at the generator's native resolution (as e4e's inference script saves them) unless `outputSize` asks for
/// another: down-scaling is area averaging (pSp's `face_pool`, AdaptiveAvgPool2d), up-scaling bilinear.
///
/// Outputs, in `out`: `<stem>.png` per image, and with `saveLatents` `latents.npy` (N × n_latent × style_dim
/// float32, in input order) plus `latents.txt` (the input file names in that order). Everything is written to a
/// staging folder inside `out` and moved into place only when every image succeeded, so a bad input (missing file,
/// not an image, corrupt data) or a bad checkpoint leaves no partial outputs.
public struct InversionJob {
    public typealias Method = InversionMethod.Name
    /// pSp or e4e (`EncoderType`), named here for callers that see only this module.
    public typealias EncoderKind = EncoderType

    /// nil: hfgi for a file with HFGI's networks, else e4e.
    public var method: Method?
    public var modelURL: URL
    /// A file or a folder of images.
    public var input: URL
    public var out: URL
    public var saveLatents = false
    public var batch = 8
    /// Square size of the written reconstructions; nil keeps the generator's resolution.
    public var outputSize: Int?
    /// pSp or e4e, for `.pt` files that do not say (no `opts.encoder_type`).
    public var encoderType: EncoderType?
    public var device: Device = .cpu
    public var quiet = false
    /// Where progress lines go (standard error when nil).
    public var progressOutput: ((String) -> Void)?
    /// Photos rather than aligned crops: detect and FFHQ-align each face, invert the crop, paste the
    /// reconstruction back into the photo (`AlignedPhotoSet`). Outputs are then at each photo's size.
    public var align = false
    /// Side of the aligned face crops with `align` (the reconstruction is resized to it before pasting).
    public var alignSize = 1024
    public var predictorPath = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

    public init(modelURL: URL, input: URL, out: URL) {
        self.modelURL = modelURL
        self.input = input
        self.out = out
    }

    public struct Result {
        public let count: Int
        /// Side of the written reconstructions.
        public let resolution: Int
        public let written: [URL]
        public let notes: [String]
        /// With `align`: one line per photo left out (no face found, unreadable).
        public var failures: [String] = []
    }

    public func run() throws -> Result {
        if align { return try runAligned() }
        guard batch >= 1 else { throw ModelError("the batch size must be at least 1, got \(batch)") }
        if let outputSize, !(1...8192).contains(outputSize) {
            throw ModelError("the output size must be between 1 and 8192, got \(outputSize)")
        }
        // Cheap checks of every input before the (possibly large) model is read.
        let images = try InputImages(input)
        try images.checkHeaders()
        let names = images.stems

        let method = try InversionMethod.load(modelURL, name: self.method, fallback: .e4e, encoderType: encoderType, device: device)
        let model = method.inversion
        let channels = model.encoderConfig.backbone.inputChannels
        guard channels == 3 else {
            throw TensorIOError(modelURL, "this encoder takes \(channels)-channel inputs (a pSp sketch/segmentation model), not RGB images")
        }
        var notes = model.notes
        let size = model.inputSize
        let resolution = outputSize ?? model.generator.size

        let staging = try StagingFolder(in: out)
        do {
            let progress = ProgressReporter("invert", total: images.count, unit: "img", quiet: quiet,
                                            output: progressOutput)
            var latents: [Tensor] = []
            var imageNotes: [String] = []
            for start in stride(from: 0, to: images.count, by: batch) {
                let range = start..<Swift.min(start + batch, images.count)
                let x = try images.batch(range, size: size, device: device, notes: &imageNotes)
                let (w, y) = try withTorchErrors {
                    try withInferenceMode { () throws -> (Tensor, Tensor) in
                        let rec = method.invert(x)
                        return (rec.latent.to(device: .cpu), InversionJob.resize(rec.image, to: resolution).to(device: .cpu))
                    }
                }
                try ImageTensors.write(y, to: range.map { staging.url(for: names[$0] + ".png") })
                if saveLatents { latents.append(w) }
                progress.advance(by: range.count)
            }
            progress.finish()
            notes += InversionJob.summarise(imageNotes)
            if saveLatents {
                try NPY.write(Tensor.cat(latents, dim: 0).contiguous().hostTensor(as: .float32),
                              to: staging.url(for: "latents.npy"))
                let list = images.files.map(\.lastPathComponent).joined(separator: "\n") + "\n"
                try AtomicFile.write(Data(list.utf8), to: staging.url(for: "latents.txt"))
            }
            let written = try staging.commit()
            return Result(count: images.count, resolution: resolution, written: written, notes: notes)
        } catch {
            staging.discard()
            throw error
        }
    }

    /// `align`: photos → aligned crops → this job on the crops → reconstructions pasted into the photos, all
    /// published together (staged) at the end. Photos without a face are reported in `failures`, not fatal.
    func runAligned() throws -> Result {
        guard batch >= 1 else { throw ModelError("the batch size must be at least 1, got \(batch)") }
        let images = try InputImages(input)
        let set = try AlignedPhotoSet(images, side: alignSize, predictorPath: predictorPath, quiet: quiet, progressOutput: progressOutput)
        defer { set.remove() }
        guard !set.entries.isEmpty else {
            return Result(count: 0, resolution: alignSize, written: [], notes: [], failures: set.failures)
        }
        var inner = self
        inner.align = false
        inner.input = set.crops
        inner.out = set.folder.appendingPathComponent("out")
        inner.outputSize = alignSize
        let faces = try inner.run()
        let staging = try StagingFolder(in: out)
        do {
            for url in faces.written {
                let name = url.lastPathComponent
                if let entry = set.entry(forOutput: name), name == entry.name + ".png" {
                    try ImageFile.write(try set.pasteBack(url, entry: entry), to: staging.url(for: name))
                } else {
                    // latents.npy / latents.txt (which lists the crops, named as the outputs).
                    try FileManager.default.copyItem(at: url, to: staging.url(for: name))
                }
            }
            let written = try staging.commit()
            return Result(count: faces.count, resolution: alignSize, written: written,
                          notes: faces.notes, failures: set.failures)
        } catch {
            staging.discard()
            throw error
        }
    }

    /// Output names apart for inputs that share a stem (`InputImages.outputNames`).
    static func outputNames(_ files: [URL]) -> [String] { InputImages.outputNames(files) }

    /// Reconstructions at `size`: area averaging down (pSp's face_pool), bilinear up.
    static func resize(_ y: Tensor, to size: Int) -> Tensor {
        let s = y.size(2)
        if s == size { return y }
        return Functional.interpolate(y, size: (size, size), mode: s > size ? .area : .bilinear)
    }

    /// Per-image notes, at most a few of them verbatim.
    static func summarise(_ notes: [String], shown: Int = 3) -> [String] {
        notes.count <= shown ? notes : Array(notes.prefix(shown)) + ["… and \(notes.count - shown) more such notes"]
    }
}
