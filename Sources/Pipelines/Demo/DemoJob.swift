import FaceLandmarks
import Foundation
import Models
import SyntheticFaces
import TensorIO
import Torch

/// `gradstyle demo`: the whole tool on the bundled synthetic-faces model (or the user's model and images) in well
/// under a minute, written as a showcase page. Held-out faces are inverted by e4e, the one-shot baseline and
/// GradStyle (`ReconstructionProtocol`), and every bundled direction is swept from −2σ to +2σ for every method
/// (`EditingProtocol`); the page shows the images beside the protocols' own figures, each with a line saying what it
/// means (`DemoPage`).
public struct DemoJob {
    public var modelURL: URL
    /// The user's images; nil renders held-out synthetic faces.
    public var input: URL?
    /// `input` holds photos: align each one's largest face (FFHQ) first and run on the crops.
    public var align = false
    public var predictorPath = FaceLandmarkDetector.defaultPredictorPath
    public var out: URL
    public var count = 8
    /// Rendering seed of the held-out faces: never used for training (the bundled model was trained on seed 1).
    public var seed: UInt64 = 20_261_125
    public var directions: URL?
    public var classifier: URL?
    /// Sweep strengths in standard deviations, each applied with both signs (0: the unedited code).
    public var sweep: [Double] = [0, 1, 2]
    /// Images shown in each edit's strips (the figures are means over all `count`).
    public var shown = 3
    public var device: Device = .cpu
    public var quiet = false

    public init(modelURL: URL, out: URL) {
        self.modelURL = modelURL
        self.out = out
    }

    /// Per method: the reconstruction protocol's means over the images, and each image's PSNR (the tiles' captions).
    public struct MethodRow: Codable, Equatable {
        public var method: String
        public var mse: Double
        public var psnr: Double
        public var ssim: Double
        public var msssim: Double
        /// PSNR inside the face region only, where masks are known (synthetic faces).
        public var facePSNR: Double?
        public var msPerImage: Double
        public var imagePSNR: [Double]
    }

    /// Per edit, signed strength and method: the editing protocol's means over the images.
    public struct EditRow: Codable, Equatable {
        public var edit: String
        public var region: String?
        /// Strength in standard deviations of the codes along the direction.
        public var sigmas: Double
        public var method: String
        /// PSNR between edited image and source outside the attribute's region (synthetic faces, local attributes).
        public var keptPSNR: Double?
        /// PSNR against the same face rendered with the attribute changed by as much (synthetic faces + classifier).
        public var truthPSNR: Double?
        /// The classifier's change of the attribute in the intended direction, and the share of images it moved.
        public var change: Double?
        public var successPercent: Double?
        public var entanglement: Double?
    }

    public struct Report: Codable {
        public var images: Int
        public var resolution: Int
        public var methods: [String]
        public var reconstruction: [MethodRow]
        /// One standard deviation of the codes along each swept direction.
        public var sigma: [String: Double]
        public var sweep: [Double]
        public var edits: [EditRow]
        public var notes: [String]
        public var seconds: Double

        public func edit(_ name: String, _ sigmas: Double, _ method: String) -> EditRow? {
            edits.first { $0.edit == name && $0.sigmas == sigmas && $0.method == method }
        }
    }

    public func run() throws -> Report {
        let start = Date()
        let fm = FileManager.default
        guard count >= 1, shown >= 1 else { throw ModelError("the demo needs at least one image, got \(count)") }
        let methods = try EvaluatedMethods(bundles: [modelURL], device: device)
        // The page shows what GradStyle adds to e4e; an e4e model alone is for `eval reconstruction|editing`.
        guard methods.methods.contains(where: { $0.repeats[0].gradstyle != nil }) else {
            throw TensorIOError(modelURL, "no GradStyle network in this file (the demo shows GradStyle beside e4e; `gradstyle eval reconstruction --model` measures an e4e model alone)")
        }
        let set: HeldOutSet
        if let input {
            set = align
                ? try HeldOutSet.alignedPhotos(input, count: count, inputSize: methods.inputSize, resolution: methods.resolution,
                                               predictorPath: predictorPath, quiet: quiet)
                : try HeldOutSet.folder(input, count: count, inputSize: methods.inputSize, resolution: methods.resolution)
        } else {
            set = try HeldOutSet.synthetic(count: count, seed: seed, inputSize: methods.inputSize, resolution: methods.resolution)
        }
        var metrics = ProtocolMetrics()
        let classifierURL = classifier ?? modelURL.deletingLastPathComponent().appendingPathComponent("classifier.safetensors")
        if classifier != nil || fm.fileExists(atPath: classifierURL.path) {
            metrics.classifier = try AttributeClassifier.load(classifierURL, device: device)
        }
        let directionsFolder = DirectionFolder.url(directions, model: modelURL)
        let library = fm.fileExists(atPath: directionsFolder.path)
            ? try DirectionLibrary(folder: directionsFolder, styleDim: methods.styleDim)
            : DirectionLibrary(styleDim: methods.styleDim)
        // The measuring networks that need downloaded weights are `gradstyle eval`'s business, not the demo's.
        let missing = Set(metrics.missing)
        var notes: [String] = []
        func keep(_ more: [String]) { for n in more where !missing.contains(n) && !notes.contains(n) { notes.append(n) } }

        var reconstruction = ReconstructionProtocol(methods: methods, set: set, metrics: metrics)
        reconstruction.quiet = quiet
        let (recResults, recImages) = try reconstruction.run()
        keep(recResults.notes)
        let rows = methods.methods.map { m -> MethodRow in
            let cells = recResults.row([m.name])!.cells
            return MethodRow(method: m.name, mse: cells["MSE"]!.mean, psnr: cells["PSNR"]!.mean, ssim: cells["SSIM"]!.mean,
                             msssim: cells["MS-SSIM"]!.mean, facePSNR: cells["face PSNR"]?.mean, msPerImage: cells["ms/image"]!.mean,
                             imagePSNR: recResults.imageRows.filter { $0.keys[0] == m.name }.map { $0.values["PSNR"]! })
        }

        var sigma: [String: Double] = [:]
        var editRows: [EditRow] = []
        var strips: [String: [String: [Double: Tensor]]] = [:]
        let shownCount = Swift.min(shown, set.count)
        if library.names.isEmpty {
            notes.append("no directions in \(directionsFolder.path): edits skipped")
        } else {
            for name in library.names { sigma[name] = DirectionScale.standardDeviation(directionsFolder.appendingPathComponent("\(name).json")) ?? 1 }
            var editing = EditingProtocol(methods: methods, set: set, metrics: metrics, library: library, sigma: sigma)
            editing.strengths = sweep
            editing.sheetImages = shownCount
            editing.quiet = quiet
            editing.onEdited = { name, s, method, images in strips[name, default: [:]][method, default: [:]][s] = images[0..<shownCount] }
            let (results, _) = try editing.run()
            // The pooled "all" rows are the protocol's summary; the page shows each edit on its own.
            keep(results.notes.filter { !$0.hasPrefix("rows \"all\"") })
            for name in library.names {
                let region = FaceAttribute.allCases.first { $0.column == name }?.region?.description
                for s in DemoJob.signed(sweep) {
                    for m in methods.methods {
                        // No row when nothing could be measured (photos without masks or classifier): the strip stands alone.
                        let cells = results.row([name, EditingProtocol.label(s), m.name])?.cells ?? [:]
                        editRows.append(EditRow(edit: name, region: region, sigmas: s, method: m.name, keptPSNR: cells["kept PSNR"]?.mean,
                                                truthPSNR: cells["truth PSNR"]?.mean, change: cells[EditingProtocol.changeColumn]?.mean,
                                                successPercent: cells["success %"]?.mean, entanglement: cells["entanglement"]?.mean))
                    }
                }
            }
        }
        if !missing.isEmpty { notes.append("LPIPS, ID similarity and FID are not part of the demo: `gradstyle eval reconstruction|editing` measures them given their weights") }

        let report = Report(images: set.count, resolution: set.resolution, methods: methods.methods.map(\.name), reconstruction: rows,
                            sigma: sigma, sweep: DemoJob.signed(sweep), edits: editRows, notes: notes,
                            seconds: Date().timeIntervalSince(start))
        let page = DemoPage(report: report, shown: shownCount)
        let staging = try StagingFolder(in: out)
        do {
            for (column, images) in recImages {
                try ImageTensors.write(images, to: (0..<set.count).map { staging.url(for: page.reconstructionTile(image: $0, column: column)) })
            }
            for (name, byMethod) in strips {
                for (method, bySigma) in byMethod {
                    for (s, images) in bySigma {
                        try ImageTensors.write(images, to: (0..<shownCount).map { staging.url(for: page.editTile(name, method: method, sigmas: s, image: $0)) })
                    }
                }
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(report), to: staging.url(for: "report.json"))
            try AtomicFile.write(Data(page.html().utf8), to: staging.url(for: "index.html"))
            _ = try staging.commit()
        } catch {
            staging.discard()
            throw error
        }
        return report
    }

    /// Sweep strengths with both signs, in order: [0, 1, 2] → [-2, -1, 0, 1, 2].
    static func signed(_ strengths: [Double]) -> [Double] {
        Array(Set(strengths.flatMap { $0 == 0 ? [0] : [$0, -$0] })).sorted()
    }
}
