import Foundation
import ImageIO
import Models
import TensorIO
import Torch

/// `gradstyle edit`: invert each image with the method, render every requested edit through it (GradStyle: the
/// Editing Stream), write the results, optional sweep strips, and optional side-by-side sheets with an HTML index.
public struct EditJob {
    public var method: InversionMethod
    public var input: InputImages
    public var out: URL
    public var edits: [EditRequest]
    public var directions: DirectionLibrary
    public var sheet = false
    public var batch = 4
    public var quiet = false
    public var noise: NoiseMode = .const

    public init(method: InversionMethod, input: InputImages, out: URL, edits: [EditRequest], directions: DirectionLibrary) {
        self.method = method
        self.input = input
        self.out = out
        self.edits = edits
        self.directions = directions
    }

    public struct Result {
        public var images = 0
        public var written: [URL] = []
        public var notes: [String] = []
        /// The full-frame face images among `written` (inversions and single edits; not strips or sheets).
        public var faceImages: Set<URL> = []
        /// With `runAligned`: one line per photo left out (no face found, unreadable).
        public var failures: [String] = []
    }

    static func strengthLabel(_ s: Double) -> String {
        s == s.rounded() ? String(format: "%+.0f", s) : String(format: "%+.2f", s)
    }

    public func run() throws -> Result {
        guard !edits.isEmpty else { throw ModelError("nothing to do: no edits requested") }
        // Resolve every edit before any work, so a typo fails fast and writes nothing.
        let resolved = try edits.map { ($0, try directions.edit(named: $0.name)) }
        try input.checkHeaders()
        // Everything is staged and published at the end: a bad image, a full disk or an interrupt leaves nothing.
        var (result, published) = try StagingFolder.publish(into: out) { staging in
            try run(resolved, staging: staging)
        }
        // The face images were named inside the staging folder; point them at where they were published.
        let faceNames = Set(result.faceImages.map(\.lastPathComponent))
        result.written = published
        result.faceImages = Set(published.filter { faceNames.contains($0.lastPathComponent) })
        return result
    }

    private func run(_ resolved: [(EditRequest, LatentEdit)], staging: StagingFolder) throws -> Result {
        let stems = input.stems
        var result = Result()
        let size = method.inputSize
        let device = method.device
        let progress = ProgressReporter("edit", total: input.count, unit: "img", quiet: quiet)
        var sheets: [(stem: String, file: String, labels: [String])] = []
        for start in stride(from: 0, to: input.count, by: batch) {
            let range = start..<Swift.min(start + batch, input.count)
            let x = try input.batch(range, size: size, device: device, notes: &result.notes)
            try withTorchErrors {
                try withInferenceMode {
                    let rec = method.invert(x, noise: noise)
                    let inversion = rec.image
                    var columns: [(label: String, images: Tensor)] = [("source", x), ("inversion", inversion)]
                    var strips: [(name: String, images: [Tensor], labels: [String])] = []
                    for (request, edit) in resolved {
                        var frames: [Tensor] = []
                        for s in request.strengths {
                            let y = method.render(rec, editedLatent: edit.apply(rec.latent, strength: s), noise: noise)
                            frames.append(y)
                            if !request.isSweep { columns.append(("\(request.name) \(EditJob.strengthLabel(s))", y)) }
                        }
                        if request.isSweep {
                            strips.append((request.name, frames, request.strengths.map { EditJob.strengthLabel($0) }))
                        }
                    }
                    for (j, i) in range.enumerated() {
                        let stem = stems[i]
                        let inversionURL = staging.url(for: "\(stem)_inversion.png")
                        try write(inversion, index: j, to: inversionURL, size: size)
                        result.written.append(inversionURL)
                        result.faceImages.insert(inversionURL)
                        for (label, images) in columns.dropFirst(2) {
                            let url = staging.url(for: "\(stem)_\(label.replacingOccurrences(of: " ", with: "_")).png")
                            try write(images, index: j, to: url, size: size)
                            result.written.append(url)
                            result.faceImages.insert(url)
                        }
                        for strip in strips {
                            let tiles = try strip.images.map { try tile($0, index: j, size: size) }
                            let grid = try ImageGrid(rows: 1, columns: tiles.count, columnLabels: strip.labels).render(tiles)
                            let url = staging.url(for: "\(stem)_sweep_\(strip.name.replacingOccurrences(of: ":", with: "_")).png")
                            try ImageFile.write(grid, to: url)
                            result.written.append(url)
                        }
                        if sheet {
                            let tiles = try columns.map { try tile($0.images, index: j, size: size) }
                            let labels = columns.map(\.label)
                            let grid = try ImageGrid(rows: 1, columns: tiles.count, columnLabels: labels).render(tiles)
                            let file = "\(stem)_sheet.png"
                            try ImageFile.write(grid, to: staging.url(for: file))
                            result.written.append(staging.url(for: file))
                            sheets.append((stem, file, labels))
                        }
                    }
                }
            }
            result.images += range.count
            progress.advance(by: range.count)
        }
        progress.finish()
        if sheet {
            let url = staging.url(for: "index.html")
            try AtomicFile.write(Data(EditJob.html(sheets.map { ($0.stem, $0.file) }, method: method.name, edits: edits).utf8), to: url)
            result.written.append(url)
        }
        return result
    }

    /// `--align`: the inputs are photos. Each one's largest face is FFHQ-aligned to `alignSize`², edited as usual,
    /// and the inversion and edited images are pasted back into the photo at its own size (`AlignedPhotoSet`);
    /// strips, sheets and the index show the aligned crops. Everything is staged and published at the end.
    /// Photos without a face are reported in `failures` and the others go on.
    public func runAligned(alignSize: Int = 1024, predictorPath: String = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat") throws -> Result {
        guard !edits.isEmpty else { throw ModelError("nothing to do: no edits requested") }
        _ = try edits.map { try directions.edit(named: $0.name) }
        let set = try AlignedPhotoSet(input, side: alignSize, predictorPath: predictorPath, quiet: quiet)
        defer { set.remove() }
        var result = Result()
        result.failures = set.failures
        guard !set.entries.isEmpty else { return result }
        var inner = self
        inner.input = try InputImages(set.crops)
        inner.out = set.folder.appendingPathComponent("out")
        let faces = try inner.run()
        let staging = try StagingFolder(in: out)
        do {
            for url in faces.written {
                let name = url.lastPathComponent
                if faces.faceImages.contains(url), let entry = set.entry(forOutput: name) {
                    try ImageFile.write(try set.pasteBack(url, entry: entry), to: staging.url(for: name))
                } else {
                    try FileManager.default.copyItem(at: url, to: staging.url(for: name))
                }
            }
            result.written = try staging.commit()
        } catch {
            staging.discard()
            throw error
        }
        result.images = faces.images
        result.notes = faces.notes
        return result
    }

    /// One image of a batch, resized to `size` (outputs of a larger generator are shown at the input size).
    func tile(_ batch: Tensor, index: Int, size: Int) throws -> RasterImage {
        var t = batch.narrow(dim: 0, start: index, length: 1)
        if t.size(2) != size { t = Functional.interpolate(t, size: (size, size), mode: .area) }
        return try ImageTensors.rasterImages(t)[0]
    }

    func write(_ batch: Tensor, index: Int, to url: URL, size: Int) throws {
        try ImageTensors.write(batch.narrow(dim: 0, start: index, length: 1), to: [url])
    }

    static func html(_ sheets: [(String, String)], method: String, edits: [EditRequest]) -> String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let rows = sheets.map { "<h3>\(escape($0.0))</h3>\n<img src=\"\(escape($0.1))\" alt=\"\(escape($0.0))\">" }
        return """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>gradstyle edit</title>
        <style>body{font-family:sans-serif;margin:2em} img{image-rendering:pixelated;max-width:100%}</style></head>
        <body><h1>gradstyle edit — \(method)</h1>
        <p>Edits: \(escape(edits.map { $0.name }.joined(separator: ", "))). Each sheet: source | inversion | edits.</p>
        \(rows.joined(separator: "\n"))
        </body></html>
        """
    }
}
