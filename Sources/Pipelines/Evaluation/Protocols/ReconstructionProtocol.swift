import Foundation
import Models
import Torch

/// Reconstruction on a held-out set: e4e vs the one-shot baseline vs GradStyle (and any ablation variant), with
/// MSE, PSNR, SSIM, MS-SSIM on [0, 1] images, LPIPS and ID where their weights are given, PSNR inside the face
/// region where masks are known (where the fine details are), and a Fréchet distance between the set of
/// reconstructions and the set of sources.
public struct ReconstructionProtocol {
    public var methods: EvaluatedMethods
    public var set: HeldOutSet
    public var metrics: ProtocolMetrics
    public var batch = 16
    public var quiet = false

    public init(methods: EvaluatedMethods, set: HeldOutSet, metrics: ProtocolMetrics) {
        self.methods = methods
        self.set = set
        self.metrics = metrics
    }

    /// Results and, per method, repeat 0's reconstructions (for the sample sheet).
    public func run() throws -> (results: ProtocolResults, images: [(String, Tensor)]) {
        var columns: [ProtocolResults.Column] = [
            .init("MSE", higherIsBetter: false, decimals: 4), .init("PSNR", higherIsBetter: true, decimals: 2),
            .init("SSIM", higherIsBetter: true), .init("MS-SSIM", higherIsBetter: true),
        ]
        if metrics.lpips != nil { columns.append(.init("LPIPS", higherIsBetter: false)) }
        if metrics.identity != nil { columns.append(.init("ID", higherIsBetter: true)) }
        if set.masks != nil { columns.append(.init("face PSNR", higherIsBetter: true, decimals: 2)) }
        if let d = metrics.distribution { columns += [.init(d.metricName, higherIsBetter: false), .init("KID×10³", higherIsBetter: false)] }
        columns.append(.init("ms/image", higherIsBetter: false, decimals: 1))
        var results = ProtocolResults(title: "Reconstruction", keyNames: ["method"], columns: columns)
        results.notes = set.notes + metrics.missing
        if set.resolution < MSSSIM.minimumSide {
            results.notes.append("MS-SSIM measured after a bilinear upscale of both images to 256² (its five scales need ≥ \(MSSSIM.minimumSide) px)")
        }
        if let d = metrics.distribution { results.notes.append("\(d.metricName) and KID between the reconstructions and the sources, on \(d.description)") }
        let total = methods.methods.reduce(0) { $0 + $1.repeats.count }
        let progress = ProgressReporter("eval reconstruction", total: total, unit: "model", quiet: quiet)
        var accumulator = ProtocolResults.Accumulator()
        var sheets: [(String, Tensor)] = [("source", set.targets)]
        let faceMasks = set.masks == nil ? nil : Tensor.cat((0..<set.count).map { set.mask(.face, image: $0)! }, dim: 0)
        let sourceFeatures = metrics.distribution?.features(set.targets)
        for method in methods.methods {
            for r in method.repeats.indices {
                _ = method.repeats[r].invert(set.inputs[0..<Swift.min(batch, set.count)])  // warm-up: time steady state
                let start = Date()
                let images = Tensor.cat(try set.inputs.split(size: batch).map { x -> Tensor in
                    let out = method.repeats[r].invert(x).image
                    guard out.size(2) == set.resolution else {
                        throw PipelineError("\(method.name): reconstructions are \(out.size(2))², the targets \(set.resolution)²")
                    }
                    return out
                }, dim: 0)
                let msPerImage = Date().timeIntervalSince(start) * 1000 / Double(set.count)
                if r == 0 { sheets.append((method.name, images)) }
                var values: [String: [Double]] = [:]
                let mse = try MeanSquaredError.perImage(images, set.targets)
                values["MSE"] = mse
                values["PSNR"] = mse.map(PSNR.fromMSE)
                values["SSIM"] = try SSIM.perImage(images, set.targets)
                values["MS-SSIM"] = try ProtocolMetrics.msssim(images, set.targets)
                if let lpips = metrics.lpips { values["LPIPS"] = try lpips.perImage(images, set.targets) }
                if let id = metrics.identity { values["ID"] = try IdentitySimilarity.perImage(images, set.targets, embedder: id) }
                if let faceMasks { values["face PSNR"] = ProtocolMetrics.maskedPSNR(images, set.targets, keep: faceMasks) }
                for (name, v) in values {
                    accumulator.add([method.name], name, repeat: r, v)
                }
                accumulator.add([method.name], "ms/image", repeat: r, [msPerImage])
                if let d = metrics.distribution, let sourceFeatures {
                    let (fd, kid) = try DistributionFeatures.distances(sourceFeatures, d.features(images))
                    accumulator.add([method.name], d.metricName, repeat: r, [fd])
                    accumulator.add([method.name], "KID×10³", repeat: r, [kid * 1000])
                }
                let repeatName = method.sources[r].deletingLastPathComponent().lastPathComponent + "/" + method.sources[r].lastPathComponent
                for i in 0..<set.count {
                    var row: [String: Double] = [:]
                    for (name, v) in values { row[name] = v[i] }
                    results.imageRows.append(([method.name, repeatName, set.names[i]], row))
                }
                progress.advance(status: method.name)
            }
        }
        progress.finish()
        results.rows = accumulator.rows()
        return (results, sheets)
    }
}
