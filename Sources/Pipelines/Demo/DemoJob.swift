import Foundation
import ImageIO
import Models
import TensorIO
import Torch

/// `gradstyle demo`: the whole tool on the bundled synthetic-faces model (or the user's model and images) in a few
/// minutes — invert held-out faces with e4e, the one-shot baseline and GradStyle, apply every bundled edit at two
/// strengths plus one sweep, measure reconstruction, detail preservation and edit success, and write a report page.
public struct DemoJob {
    public var modelURL: URL
    /// The user's images; nil renders held-out synthetic faces.
    public var input: URL?
    public var out: URL
    public var count = 8
    /// Rendering seed of the held-out faces: never used for training (the bundled model was trained on seed 1).
    public var seed: UInt64 = 20_261_125
    public var directions: URL?
    public var classifier: URL?
    public var device: Device = .cpu
    public var quiet = false

    public init(modelURL: URL, out: URL) {
        self.modelURL = modelURL
        self.out = out
    }

    /// Per-method reconstruction figures (means over the images).
    public struct MethodRow: Codable {
        public var method: String
        public var mse: Double
        public var psnr: Double
        public var ssim: Double
        /// PSNR inside the face region only (fine details: freckles, moles, wrinkles) where masks are known.
        public var facePSNR: Double?
        public var seconds: Double
    }

    /// Per edit: how much of the source's detail survives outside the edited region, per method, and the
    /// classifier's verdict when a classifier is bundled.
    public struct EditRow: Codable {
        public var edit: String
        public var strength: Double
        public var region: String?
        /// PSNR between edited image and source, outside the attribute's region (higher: details kept).
        public var keptPSNR: [String: Double]
        public var success: [String: String]
    }

    public struct Report: Codable {
        public var images: Int
        public var resolution: Int
        public var reconstruction: [MethodRow]
        public var edits: [EditRow]
        public var notes: [String]
        public var seconds: Double
    }

    static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }

    public func run() throws -> Report {
        let start = Date()
        let fm = FileManager.default
        var notes: [String] = []
        let file = try CheckpointFile(modelURL)
        let networks = GradStyleBundle.networkPrefixes(file)
        let inversion = try InversionModel.load(modelURL, device: device).eval()
        // Every network in the bundle is a method: the one-shot baseline, any ablation variants, GradStyle last.
        var methods: [(name: String, model: GradStyleModel, residuals: Bool)] = []
        let ordered = networks.filter { $0 != GradStyleBundle.mainPrefix } + networks.filter { $0 == GradStyleBundle.mainPrefix }
        for prefix in ordered {
            let net = try GradStyleBundle.loadNetwork(file, prefix: prefix, device: device)
            let name = prefix == GradStyleBundle.mainPrefix ? "gradstyle"
                : prefix == GradStyleBundle.singleStagePrefix ? "single-stage" : prefix
            methods.append((name, GradStyleModel(inversion: inversion, network: net), true))
        }
        guard let main = methods.last?.model else {
            throw TensorIOError(modelURL, "no GradStyle network in this file: the demo needs a bundle from `train gradstyle`")
        }
        methods.insert(("e4e", main, false), at: 0)
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        let size = inversion.encoder.inputSize
        let resolution = inversion.generator.size

        // Inputs: held-out synthetic faces (with region masks) or the user's images.
        let inputDir = out.appendingPathComponent("inputs")
        var masks: [[FaceRegion: [Bool]]]? = nil
        if let input {
            let images = try InputImages(input)
            var x: [Tensor] = []
            for i in 0..<Swift.min(count, images.count) { x.append(try images.load(i, size: size, device: device, notes: &notes)) }
            try fm.createDirectory(at: inputDir, withIntermediateDirectories: true)
            try ImageTensors.write(Tensor.cat(x, dim: 0), to: (0..<x.count).map { inputDir.appendingPathComponent(String(format: "%02d.png", $0)) })
        } else {
            masks = try DemoJob.renderHeldOut(count: count, seed: seed, size: size, resolution: resolution, to: inputDir)
        }
        let files = try InputImages(inputDir)
        let x = try files.batch(0..<files.count, size: size, device: device, notes: &notes)
        let target = x.size(2) == resolution ? x : Functional.interpolate(x, size: (resolution, resolution), mode: .area)

        let progress = ProgressReporter("demo", total: methods.count + 2, unit: "stage", quiet: quiet)
        var rows: [MethodRow] = []
        var recs: [String: Reconstruction] = [:]
        var images: [(String, Tensor)] = [("source", target)]
        for m in methods {
            let t0 = Date()
            let rec = withInferenceMode { m.model.reconstruct(x, useResiduals: m.residuals) }
            let seconds = Date().timeIntervalSince(t0)
            recs[m.name] = rec
            images.append((m.name, rec.image))
            let mse = try MeanSquaredError.perImage(rec.image, target)
            var face: Double? = nil
            if let masks {
                face = DemoJob.mean(ProtocolMetrics.maskedPSNR(rec.image, target, keep: DemoJob.keep(masks, .face, inside: true)))
            }
            rows.append(MethodRow(method: m.name, mse: DemoJob.mean(mse), psnr: DemoJob.mean(mse.map(PSNR.fromMSE)),
                                  ssim: DemoJob.mean(try SSIM.perImage(rec.image, target)), facePSNR: face, seconds: seconds))
            progress.advance()
        }
        try DemoJob.writeSheet(images, to: out.appendingPathComponent("reconstruction.png"))

        // Edits: every bundled direction at ± its natural step, then one sweep.
        let directionsFolder = directions ?? modelURL.deletingLastPathComponent().appendingPathComponent("directions")
        let library = fm.fileExists(atPath: directionsFolder.path)
            ? try DirectionLibrary(folder: directionsFolder, styleDim: inversion.generator.styleDim)
            : DirectionLibrary(styleDim: inversion.generator.styleDim)
        if library.names.isEmpty { notes.append("no directions found in \(directionsFolder.path): edits skipped") }
        let classifierURL = classifier ?? modelURL.deletingLastPathComponent().appendingPathComponent("classifier.safetensors")
        let scorer: AttributeClassifier? = fm.fileExists(atPath: classifierURL.path)
            ? try AttributeClassifier.load(classifierURL, device: device) : nil
        if scorer == nil { notes.append("no attribute classifier (\(classifierURL.path)): edit success not measured") }
        var editRows: [EditRow] = []
        var editSheets: [(String, Tensor)] = [("source", target)]
        for name in library.names {
            let edit = try library.edit(named: name)
            let step = DemoJob.naturalStep(directionsFolder.appendingPathComponent("\(name).json"))
            let region = FaceAttribute.allCases.first { $0.column == name }?.region
            for strength in [-step, step] {
                var kept: [String: Double] = [:]
                var success: [String: String] = [:]
                for m in methods {
                    let rec = recs[m.name]!
                    let y = withInferenceMode { () -> Tensor in
                        let w = edit.apply(rec.latent, strength: strength)
                        return m.residuals ? m.model.edit(rec, editedLatent: w).image : m.model.generator.synthesis(w)
                    }
                    if strength > 0 { editSheets.append(("\(m.name) \(name)+", y)) }
                    if let scorer, scorer.config.attributes.contains(name) {
                        // Against the method's own inversion: did the edit move the attribute, and what else moved?
                        let r = try EditSuccess.measure(classifier: scorer, original: rec.image, edited: y, attribute: name,
                                                        direction: strength > 0 ? .increase : .decrease)
                        success[m.name] = String(format: "%+.3f, %.0f%% moved, others %.3f", r.meanChange, r.successRate * 100,
                                                 r.entanglement)
                    }
                    if let masks, let region {
                        kept[m.name] = DemoJob.mean(ProtocolMetrics.maskedPSNR(y, target, keep: DemoJob.keep(masks, region, inside: false)))
                    }
                }
                editRows.append(EditRow(edit: name, strength: strength, region: region?.description, keptPSNR: kept, success: success))
            }
        }
        progress.advance()
        if editSheets.count > 1 { try DemoJob.writeSheet(editSheets, to: out.appendingPathComponent("edits.png")) }
        if let first = library.names.first {
            let edit = try library.edit(named: first)
            let step = DemoJob.naturalStep(directionsFolder.appendingPathComponent("\(first).json"))
            let rec = recs[methods.last!.name]!
            let strengths = (0..<7).map { -2 * step + Double($0) * (4 * step / 6) }
            let frames = withInferenceMode {
                strengths.map { main.edit(rec, editedLatent: edit.apply(rec.latent, strength: $0)).image }
            }
            try DemoJob.writeSheet(zip(strengths, frames).map { (String(format: "%+.2f", $0), $1) },
                                   to: out.appendingPathComponent("sweep_\(first).png"))
        }
        progress.advance()
        progress.finish()
        let report = Report(images: x.size(0), resolution: resolution, reconstruction: rows, edits: editRows, notes: notes,
                            seconds: Date().timeIntervalSince(start))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(report), to: out.appendingPathComponent("report.json"))
        try AtomicFile.write(Data(DemoJob.html(report, sweep: library.names.first).utf8), to: out.appendingPathComponent("index.html"))
        return report
    }

    /// Strength of a "clear" edit: two standard deviations of the codes along the direction (from its .json), or 1.
    static func naturalStep(_ json: URL) -> Double {
        DirectionScale.standardDeviation(json).map { 2 * $0 } ?? 1
    }

    /// Renders `count` held-out faces at `size` and returns their region masks at `resolution`.
    static func renderHeldOut(count: Int, seed: UInt64, size: Int, resolution: Int, to dir: URL) throws -> [[FaceRegion: [Bool]]] {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let sampler = FaceSampler(seed: seed)
        let renderer = FaceRenderer()
        return try (0..<count).map { i in
            let sample = sampler.sample(i)
            try ImageFile.write(renderer.render(sample, size: size), to: dir.appendingPathComponent(String(format: "%02d.png", i)))
            let r = renderer.renderWithMasks(sample, size: resolution)
            var m: [FaceRegion: [Bool]] = [:]
            for region in FaceRegion.allCases { m[region] = r.mask(region) }
            return m
        }
    }

    /// N×1×R×R pixels to count for `ProtocolMetrics.maskedPSNR`: those inside `region` (or outside it).
    static func keep(_ masks: [[FaceRegion: [Bool]]], _ region: FaceRegion, inside: Bool) -> Tensor {
        let side = Int(Double(masks[0][region]!.count).squareRoot())
        return Tensor(masks.flatMap { $0[region]!.map { $0 == inside ? Float(1) : 0 } }, shape: [masks.count, 1, side, side])
    }

    /// A labelled sheet: one column per entry, one row per image.
    static func writeSheet(_ columns: [(String, Tensor)], to url: URL) throws {
        let size = columns[0].1.size(2)
        let tiles = try columns.map { c in
            try ImageTensors.rasterImages(c.1.size(2) == size ? c.1 : Functional.interpolate(c.1, size: (size, size), mode: .area))
        }
        let n = tiles[0].count
        var ordered: [RasterImage] = []
        for i in 0..<n { for c in tiles { ordered.append(c[i]) } }
        try ImageFile.write(try ImageGrid(rows: n, columns: columns.count, columnLabels: columns.map(\.0)).render(ordered), to: url)
    }

    static func html(_ r: Report, sweep: String?) -> String {
        func f(_ x: Double?) -> String { guard let x, x.isFinite else { return "—" }; return String(format: "%.3f", x) }
        let recRows = r.reconstruction.map {
            "<tr><td>\($0.method)</td><td>\(f($0.mse))</td><td>\(f($0.psnr))</td><td>\(f($0.ssim))</td><td>\(f($0.facePSNR))</td><td>\(f($0.seconds))</td></tr>"
        }.joined(separator: "\n")
        let methods = r.reconstruction.map(\.method)
        let editRows = r.edits.map { e in
            "<tr><td>\(e.edit)</td><td>\(String(format: "%+.2f", e.strength))</td><td>\(e.region ?? "global")</td>"
                + methods.map { "<td>\(f(e.keptPSNR[$0]))</td>" }.joined()
                + "<td>\(e.success.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "))</td></tr>"
        }.joined(separator: "\n")
        return """
        <!doctype html><html><head><meta charset="utf-8"><title>GradStyle demo</title>
        <style>body{font-family:sans-serif;margin:2em;max-width:1200px} table{border-collapse:collapse;margin:1em 0}
        td,th{border:1px solid #ccc;padding:4px 8px;text-align:right} td:first-child{text-align:left}
        img{image-rendering:pixelated;max-width:100%}</style></head><body>
        <h1>GradStyle demo</h1>
        <p>\(r.images) images at \(r.resolution)², \(String(format: "%.1f", r.seconds)) s.</p>
        <h2>Reconstruction</h2>
        <table><tr><th>method</th><th>MSE</th><th>PSNR dB</th><th>SSIM</th><th>face PSNR dB (details)</th><th>seconds</th></tr>
        \(recRows)</table>
        <img src="reconstruction.png" alt="reconstructions">
        <h2>Edits</h2>
        <p>Edit success: the bundled classifier's change of the edited attribute between each method's inversion and its
        edit (mean, share of images that moved the intended way by more than the classifier's threshold) and the mean
        absolute change of the other attributes (entanglement).</p>
        <p>Detail preservation: PSNR between the edited image and the source outside the edited attribute's region
        (the renderer's masks), per method — higher means the edit kept the rest of the face.</p>
        <table><tr><th>edit</th><th>strength</th><th>region</th>\(methods.map { "<th>kept PSNR \($0)</th>" }.joined())<th>edit success</th></tr>
        \(editRows)</table>
        <img src="edits.png" alt="edits">
        \(sweep.map { "<h2>Sweep: \($0)</h2><img src=\"sweep_\($0).png\" alt=\"sweep\">" } ?? "")
        <h2>Notes</h2><ul>\(r.notes.map { "<li>\($0)</li>" }.joined())</ul>
        </body></html>
        """
    }
}
