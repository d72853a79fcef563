import ArgumentParser
import Foundation
import Pipelines

struct EvalReconstructionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruction",
        abstract: "Reconstruction protocol: e4e vs the one-shot baseline vs GradStyle (and ablation variants) on a held-out set.",
        discussion: """
        Inverts held-out images (synthetic faces rendered with a seed never used in training, or --input) with every \
        method in the bundles and measures MSE, PSNR, SSIM, MS-SSIM, face PSNR (synthetic), LPIPS and ID (with their \
        weights) and FID (with --inception; otherwise a Fréchet distance on the attribute classifier's features). \
        Writes OUT/reconstruction.md, _summary.csv, _images.csv, .json, SVG charts, a sample sheet and index.html. \
        Several --model bundles holding the same networks are repeats (seeds): the summary gives their spread.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: EvalProtocolOptions

    func run() throws {
        let device = try global.apply()
        var setup = try options.setup()
        setup.device = device
        var job = ReconstructionEvaluationJob(setup: setup, out: URL(fileURLWithPath: options.out))
        job.command = EvalProtocolOptions.commandLine
        job.quiet = global.quiet
        let (results, written) = try job.run()
        print("## \(results.title)\n\n" + results.markdown())
        if !global.quiet { FileHandle.standardError.write(Data("wrote \(written.count) files to \(options.out) (index.html)\n".utf8)) }
    }
}
