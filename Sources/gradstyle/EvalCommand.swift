import ArgumentParser
import Foundation
import Pipelines

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure inversions and edits: image pairs and sets, or the reconstruction and editing protocols.",
        subcommands: [EvalPairsCommand.self, EvalReconstructionCommand.self, EvalEditingCommand.self],
        defaultSubcommand: EvalPairsCommand.self)
}

struct EvalPairsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pairs",
        abstract: "Measure reconstructions and edits: MSE, PSNR, SSIM, MS-SSIM, LPIPS, ID similarity; FID and KID with --fid.",
        discussion: """
            Pairs --pred and --target images by file name (without extension), prints a markdown summary (mean, std,
            95% Student-t interval of the mean) and optionally writes per-image CSV and JSON. MSE, PSNR, SSIM and
            MS-SSIM are measured on [0, 1] images. Without --lpips-weights LPIPS runs with random weights and says so.
            --fid compares two image sets (--real, --fake) by FID and KID on FID-Inception features, or with
            --classifier by FD(classifier) and KID on an attribute classifier's features.
            Weight files and where to get them: docs/WEIGHTS.md.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Folder of predicted images (paired with --target by file name).")
    var pred: String?

    @Option(help: "Folder of target images.")
    var target: String?

    @Option(help: "Comma-separated metrics: mse,psnr,ssim,ms-ssim,lpips,id (default: mse,psnr,ssim,ms-ssim,lpips, and id with --arcface).")
    var metrics: String?

    @Option(help: "LPIPS network: alex or vgg.")
    var lpipsNet: String = "alex"

    @Option(parsing: .upToNextOption, help: "LPIPS weights (space- or comma-separated): the torchvision trunk (alexnet-owt-7be5be79.pth / vgg16-397923af.pth) and the lpips heads (alex.pth / vgg.pth), or one .safetensors with both.")
    var lpipsWeights: [String] = []

    @Option(help: "ArcFace IR-SE50 weights (model_ir_se50.pth) for the id metric.")
    var arcface: String?

    @Option(help: "Per-image CSV file to write.")
    var csv: String?

    @Option(help: "JSON file to write (summary and per-image values).")
    var json: String?

    @Flag(help: "FID and KID between --real and --fake image sets.")
    var fid = false

    @Option(help: "With --fid: folder of real images (searched recursively).")
    var real: String?

    @Option(help: "With --fid: folder of generated images (searched recursively).")
    var fake: String?

    @Option(help: "With --fid: FID Inception weights (pt_inception-2015-12-05-6726825d.pth).")
    var inception: String?

    @Option(help: "With --fid: measure FD(classifier) and KID on this attribute classifier's features (train classifier) instead of Inception's; the synthetic domain's generator-quality measure.")
    var classifier: String?

    @Option(help: "With --fid: images per Inception forward pass.")
    var batch: Int = 50

    @Option(help: "With --fid: KID subsets.")
    var kidSubsets: Int = 100

    @Option(help: "With --fid: KID subset size (at most; capped by the smaller set).")
    var kidSubsetSize: Int = 1000

    func validate() throws {
        if fid {
            guard real != nil, fake != nil else { throw ValidationError("--fid needs --real DIR and --fake DIR") }
            let pairOnly: [(String, Bool)] = [("--pred", pred != nil), ("--target", target != nil), ("--metrics", metrics != nil),
                                              ("--lpips-weights", !lpipsWeights.isEmpty), ("--arcface", arcface != nil), ("--csv", csv != nil)]
            if let (name, _) = pairOnly.first(where: { $0.1 }) { throw ValidationError("\(name) does not apply to --fid") }
            try OptionCheck.batch(batch)
            if inception != nil && classifier != nil { throw ValidationError("give --inception or --classifier, not both") }
            guard kidSubsets >= 1, kidSubsetSize >= 2 else { throw ValidationError("--kid-subsets must be ≥ 1 and --kid-subset-size ≥ 2") }
        } else {
            guard pred != nil, target != nil else {
                throw ValidationError("give --pred DIR and --target DIR (or --fid --real DIR --fake DIR)")
            }
            let fidOnly: [(String, Bool)] = [("--real", real != nil), ("--fake", fake != nil), ("--inception", inception != nil), ("--classifier", classifier != nil)]
            if let (name, _) = fidOnly.first(where: { $0.1 }) { throw ValidationError("\(name) needs --fid") }
            guard EvalJob.LPIPSNet(rawValue: lpipsNet) != nil else {
                throw ValidationError("invalid --lpips-net '\(lpipsNet)': expected alex or vgg")
            }
            if let metrics {
                do { _ = try EvalMetric.parseList(metrics) } catch { throw ValidationError("--metrics: \(error)") }
            }
        }
    }

    func run() throws {
        let device = try global.apply()
        let url = { (path: String) in URL(fileURLWithPath: path) }
        if fid {
            var job = FIDJob(real: url(real!), fake: url(fake!))
            job.inceptionWeights = inception.map(url)
            job.classifierWeights = classifier.map(url)
            job.batch = batch
            job.kidSubsets = kidSubsets
            job.kidSubsetSize = kidSubsetSize
            job.json = json.map(url)
            job.device = device
            job.quiet = global.quiet
            let result = try job.run()
            report(warnings: result.warnings, written: result.written)
            print(result.markdown, terminator: "")
            return
        }
        var job = EvalJob(pred: url(pred!), target: url(target!))
        var chosen = try metrics.map(EvalMetric.parseList) ?? EvalMetric.defaults
        if metrics == nil && arcface != nil { chosen.append(.id) }
        job.metrics = chosen
        job.lpipsNetwork = EvalJob.LPIPSNet(rawValue: lpipsNet)!
        job.lpipsWeights = lpipsWeights.flatMap { $0.split(separator: ",") }.map { url(String($0)) }
        if chosen.contains(.id) {
            guard let arcface else {
                throw ValidationError("the id metric needs --arcface FILE (ArcFace IR-SE50, model_ir_se50.pth)")
            }
            job.identityEmbedder = try ArcFaceEmbedder.load(url(arcface), device: device)
        }
        job.csv = csv.map(url)
        job.json = json.map(url)
        job.device = device
        job.quiet = global.quiet
        let result = try job.run()
        report(warnings: result.warnings, written: result.written)
        print(result.markdown, terminator: "")
    }

    private func report(warnings: [String], written: [URL]) {
        for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        guard !global.quiet else { return }
        for url in written { FileHandle.standardError.write(Data("wrote \(url.path)\n".utf8)) }
    }
}
