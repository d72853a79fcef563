import Foundation
import Models
import SyntheticFaces
import Torch

/// Editing on a held-out set: every direction at each strength (in standard deviations of the codes along it), for
/// every method. Per edit and method:
/// - the attribute change achieved, measured by the attribute classifier against the method's own inversion
///   (signed in the intended direction), the share of images moved by more than the classifier's threshold, and
///   the mean |change| of the other attributes (entanglement);
/// - what the edit kept: PSNR (and LPIPS) against the source outside the attribute's region, ID similarity;
/// - against the truth (synthetic faces): PSNR/LPIPS to the same face rendered with the attribute changed by as
///   much as the edit changed it (`CounterfactualTruth`);
/// - FD/KID of the edited set against real images that have the target attribute.
public struct EditingProtocol {
    public var methods: EvaluatedMethods
    public var set: HeldOutSet
    public var metrics: ProtocolMetrics
    public var library: DirectionLibrary
    /// One standard deviation of the codes along each direction (its .json `projection_std`); 1 when unknown.
    public var sigma: [String: Double]
    /// Strengths in standard deviations; each is applied with both signs. 0 is the control: the Editing Stream
    /// with the unedited code, which should reproduce the reconstruction.
    public var strengths: [Double] = [0, 1, 2]
    /// Reference images per (attribute, side) for FD/KID.
    public var referenceCount = 256
    public var referenceSeed: UInt64 = 7_777
    /// Images shown per edit in the sheets.
    public var sheetImages = 6
    public var batch = 16
    public var quiet = false
    /// Sees every edited set of each method's first repeat: the direction, the signed strength in σ, the method and
    /// the edited images (all of the set). The demo's strength sweeps are drawn from it.
    public var onEdited: ((_ edit: String, _ sigmas: Double, _ method: String, _ images: Tensor) -> Void)? = nil

    public init(methods: EvaluatedMethods, set: HeldOutSet, metrics: ProtocolMetrics, library: DirectionLibrary,
                sigma: [String: Double]) {
        self.methods = methods
        self.set = set
        self.metrics = metrics
        self.library = library
        self.sigma = sigma
    }

    public static let changeColumn = "Δ intended"

    /// The strength key of a result row: "0σ", "+2σ", "-1σ", ….
    public static func label(_ sigmas: Double) -> String { sigmas == 0 ? "0σ" : String(format: "%+gσ", sigmas) }

    /// Results and one sheet per edit (source, each method at the largest positive strength, the truth).
    public func run() throws -> (results: ProtocolResults, sheets: [String: [(String, Tensor)]]) {
        guard !library.names.isEmpty else { throw PipelineError("no edit directions to evaluate") }
        guard !strengths.isEmpty, strengths.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw PipelineError("edit strengths must be non-negative numbers of standard deviations, got \(strengths)")
        }
        let classifier = metrics.classifier
        let masks = set.masks != nil
        let truth = set.samples != nil && classifier != nil
        var columns: [ProtocolResults.Column] = []
        if classifier != nil {
            columns += [.init(EditingProtocol.changeColumn, higherIsBetter: true), .init("success %", higherIsBetter: true, decimals: 0),
                        .init("entanglement", higherIsBetter: false)]
        }
        if masks { columns.append(.init("kept PSNR", higherIsBetter: true, decimals: 2)) }
        if masks && metrics.lpips != nil { columns.append(.init("kept LPIPS", higherIsBetter: false)) }
        if metrics.identity != nil { columns.append(.init("ID", higherIsBetter: true)) }
        if truth { columns.append(.init("truth PSNR", higherIsBetter: true, decimals: 2)) }
        if truth && metrics.lpips != nil { columns.append(.init("truth LPIPS", higherIsBetter: false)) }
        if let d = metrics.distribution, set.samples != nil {
            columns += [.init("\(d.metricName) vs attribute", higherIsBetter: false, decimals: 2), .init("KID×10³", higherIsBetter: false)]
        }
        var results = ProtocolResults(title: "Editing", keyNames: ["edit", "strength", "method"], columns: columns)
        results.notes = set.notes + metrics.missing
        if classifier == nil { results.notes.append("edit success not measured: no attribute classifier was given") }
        else { results.notes.append("entanglement: the mean absolute change of the other attributes the classifier predicts") }
        if masks { results.notes.append("kept: the edited image against the source outside the edited attribute's region (the renderer's masks; LPIPS and ID see the region pasted from the source); global attributes (yaw, age) have no such region") }
        if truth { results.notes.append("truth: the same face rendered with the attribute changed by as much as the classifier says the edit changed it (CounterfactualTruth)") }
        if let d = metrics.distribution, set.samples != nil {
            results.notes.append("\(d.metricName) and KID of the edited images against \(referenceCount) other faces that have the target attribute (top or bottom quarter of its range), on \(d.description)")
        }

        // Inversions once per method and repeat, in batches (the Editing Stream reuses their residuals).
        var inversions: [[[Reconstruction]]] = []
        let inversionProgress = ProgressReporter("eval editing: inversions", total: methods.methods.reduce(0) { $0 + $1.repeats.count },
                                                 unit: "model", quiet: quiet)
        for method in methods.methods {
            inversions.append(method.repeats.indices.map { r in
                set.inputs.split(size: batch).map { method.repeats[r].invert($0) }
            })
            inversionProgress.advance(by: method.repeats.count)
        }
        inversionProgress.finish()

        // Shared by every edit of a method and repeat: its reconstructions, the classifier's reading of them, and the
        // 0σ edit (the inversion's own code, the same image whichever direction it is 0σ along), rendered once.
        let originals = inversions.map { $0.map { recs in Tensor.cat(recs.map(\.image), dim: 0) } }
        let originalPredictions = originals.map { $0.map { x in classifier.map { EditingProtocol.predict($0, x) } } }
        var unedited: [[Int: (images: Tensor, predictions: [Double]?)]] = Array(repeating: [:], count: methods.methods.count)

        let signed = Array(Set(strengths)).sorted().flatMap { $0 == 0 ? [0] : [$0, -$0] }
        let progress = ProgressReporter("eval editing", total: library.names.count * signed.count, unit: "edit", quiet: quiet)
        var accumulator = ProtocolResults.Accumulator()
        var pooledAccumulator = ProtocolResults.Accumulator()
        var sheets: [String: [(String, Tensor)]] = [:]
        var referenceFeatures: [String: Tensor] = [:]
        let shown = Swift.min(sheetImages, set.count)
        for name in library.names {
            let edit = try library.edit(named: name)
            let attribute = FaceAttribute.allCases.first { $0.column == name }
            let region = attribute?.region
            let keep: Tensor? = region.flatMap { region in
                masks ? 1 - Tensor.cat((0..<set.count).map { set.mask(region, image: $0)! }, dim: 0) : nil
            }
            let sd = sigma[name] ?? 1
            // The truths, where they can be measured (synthetic faces and a classifier) for a known attribute.
            let truthMemo = truth ? attribute.flatMap { a in set.samples.map { CounterfactualTruth.Memo(samples: $0, attribute: a, size: set.resolution) } } : nil
            for s in signed {
                let strength = s * sd
                let label = EditingProtocol.label(s)
                // Every edit also counts towards the "all" rows of its absolute strength: one line per method.
                let pooled = ["all", s == 0 ? "0σ" : String(format: "±%gσ", abs(s))]
                if s == signed.filter({ $0 > 0 }).max() { sheets[name] = [("source", set.targets[0..<shown])] }
                var reference: Tensor? = nil
                if let d = metrics.distribution, let attribute {
                    let key = "\(name)\(s > 0 ? "+" : "-")"
                    if referenceFeatures[key] == nil, let images = CounterfactualTruth.attributeReference(
                        attribute: attribute, positive: s > 0, count: referenceCount, seed: referenceSeed, size: set.resolution) {
                        referenceFeatures[key] = d.features(images)
                    }
                    reference = referenceFeatures[key]
                }
                for (m, method) in methods.methods.enumerated() {
                    for r in method.repeats.indices {
                        let recs = inversions[m][r]
                        let edited: Tensor
                        let editedPredictions: [Double]?
                        if s == 0, let done = unedited[m][r] {
                            (edited, editedPredictions) = done
                        } else {
                            edited = Tensor.cat(recs.map { rec in
                                method.repeats[r].render(rec, editedLatent: edit.apply(rec.latent, strength: strength))
                            }, dim: 0)
                            editedPredictions = classifier.map { EditingProtocol.predict($0, edited) }
                            if s == 0 { unedited[m][r] = (edited, editedPredictions) }
                        }
                        if r == 0 { onEdited?(name, s, method.name, edited) }
                        var values: [String: [Double]] = [:]
                        var truthImages: Tensor? = nil
                        if let classifier, classifier.config.attributes.contains(name),
                           let before = originalPredictions[m][r], let after = editedPredictions {
                            let k = classifier.config.attributes.count
                            let j = classifier.config.attributes.firstIndex(of: name)!
                            let circular = Set(classifier.config.circular)
                            let threshold = EditSuccess.defaultThreshold(classifier.config, attribute: name)
                            func change(_ i: Int, _ c: Int) -> Double {
                                let d = after[i * k + c] - before[i * k + c]
                                return circular.contains(classifier.config.attributes[c]) ? AttributeScores.wrap(d) : d
                            }
                            let moved = (0..<set.count).map { change($0, j) }
                            values[EditingProtocol.changeColumn] = moved.map { $0 * (s > 0 ? 1 : -1) }
                            values["success %"] = moved.map { $0 * (s > 0 ? 1 : -1) > threshold ? 100 : 0 }
                            values["entanglement"] = (0..<set.count).map { i in
                                let others = (0..<k).filter { $0 != j }
                                return others.isEmpty ? 0 : others.reduce(0) { $0 + Swift.abs(change(i, $1)) } / Double(others.count)
                            }
                            if let truthMemo {
                                let attribute = truthMemo.attribute
                                let targets = (0..<set.count).map { i in
                                    CounterfactualTruth.value(attribute: attribute, trueValue: truthMemo.samples[i].attributes[attribute],
                                                              measuredChange: moved[i], editedPrediction: after[i * k + j])
                                }
                                let images = truthMemo.images(values: targets)
                                truthImages = images
                                values["truth PSNR"] = try PSNR.perImage(edited, images)
                                if let lpips = metrics.lpips { values["truth LPIPS"] = try lpips.perImage(edited, images) }
                            }
                        }
                        if let keep {
                            values["kept PSNR"] = ProtocolMetrics.maskedPSNR(edited, set.targets, keep: keep)
                            if let lpips = metrics.lpips {
                                values["kept LPIPS"] = try lpips.perImage(ProtocolMetrics.pasting(edited, from: set.targets, where: 1 - keep), set.targets)
                            }
                        }
                        if let id = metrics.identity {
                            // Identity kept: where the edited region is known, the region itself is taken from the
                            // source, so ArcFace compares only what the edit should have left alone.
                            let compared = keep.map { ProtocolMetrics.pasting(edited, from: set.targets, where: 1 - $0) } ?? edited
                            values["ID"] = try IdentitySimilarity.perImage(compared, set.targets, embedder: id)
                        }
                        let keys = [name, label, method.name]
                        for (metric, v) in values {
                            accumulator.add(keys, metric, repeat: r, v)
                            pooledAccumulator.add(pooled + [method.name], metric, repeat: r, v)
                        }
                        if let d = metrics.distribution, let reference {
                            let (fd, kid) = try DistributionFeatures.distances(reference, d.features(edited))
                            accumulator.add(keys, "\(d.metricName) vs attribute", repeat: r, [fd])
                            accumulator.add(keys, "KID×10³", repeat: r, [kid * 1000])
                            pooledAccumulator.add(pooled + [method.name], "\(d.metricName) vs attribute", repeat: r, [fd])
                            pooledAccumulator.add(pooled + [method.name], "KID×10³", repeat: r, [kid * 1000])
                        }
                        let repeatName = method.sources[r].deletingLastPathComponent().lastPathComponent
                        for i in 0..<set.count {
                            var row: [String: Double] = [:]
                            for (metric, v) in values { row[metric] = v[i] }
                            results.imageRows.append((keys + [repeatName, set.names[i]], row))
                        }
                        if r == 0, sheets[name] != nil, s > 0 {
                            sheets[name]!.append((method.name, edited[0..<shown]))
                            if m == methods.methods.count - 1, let truthImages {
                                sheets[name]!.append(("truth", truthImages[0..<shown]))
                            }
                        }
                    }
                }
                progress.advance(status: "\(name) \(label)")
            }
        }
        progress.finish()
        results.rows = pooledAccumulator.rows().sorted { $0.keys[1] < $1.keys[1] } + accumulator.rows()
        results.notes.append("rows \"all\": every edit of that absolute strength pooled (per image; FD/KID: the mean over edits)")
        return (results, sheets)
    }

    /// The classifier's predictions for a batch of images (label units, row-major N×K).
    static func predict(_ classifier: AttributeClassifier, _ x: Tensor) -> [Double] {
        classifier.eval()
        let device = classifier.head.weight.device
        return withInferenceMode {
            Tensor.cat(x.split(size: 32).map { classifier.predict($0.to(device: device)).to(.float64, device: .cpu) }).doubles()
        }
    }
}
