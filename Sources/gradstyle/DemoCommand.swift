import ArgumentParser
import Foundation
import Pipelines

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Invert and edit held-out faces with the bundled model; write demo-output/index.html.",
        discussion: """
        Without arguments: renders held-out synthetic faces (a seed never used in training), inverts them with e4e, \
        the one-shot baseline and GradStyle (the reconstruction protocol), sweeps every bundled direction from -2σ \
        to +2σ for every method (the editing protocol), and writes a page of reconstruction and before/after sheets \
        with the protocols' figures beside them. --model and --input run the same page on your own bundle and \
        images; with --align the inputs are photos, whose faces are detected and aligned first.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "A GradStyle bundle (default: models/default/model.safetensors).")
    var model: String?

    @Option(help: "Your images instead of rendered held-out faces.")
    var input: String?

    @Flag(help: "--input holds photos: detect and FFHQ-align each one's largest face first.")
    var align = false

    @Option(help: "Folder of direction files (default: beside the model, directions/).")
    var directions: String?

    @Option(help: "Attribute classifier for edit success (default: beside the model, classifier.safetensors).")
    var classifier: String?

    @Option(help: "Output folder.")
    var out: String = "demo-output"

    @Option(help: "Number of images.")
    var count: Int = 8

    /// The bundled model: next to the working directory (make demo), or next to the executable's checkout.
    static func defaultModel() -> URL? {
        let fm = FileManager.default
        var candidates = [URL(fileURLWithPath: "models/default/model.safetensors")]
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.appendingPathComponent("models/default/model.safetensors"))
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { fm.fileExists(atPath: $0.path) }
    }

    func validate() throws {
        guard (1...64).contains(count) else { throw ValidationError("--count must be between 1 and 64") }
        if align, input == nil { throw ValidationError("--align needs --input (a folder of photos)") }
    }

    func run() throws {
        let device = try global.apply()
        guard let modelURL = model.map({ URL(fileURLWithPath: $0) }) ?? DemoCommand.defaultModel() else {
            // Bad input like any other: one line and a non-zero exit (a script must not take "no demo" for success).
            throw ValidationError("no --model given and the bundled models/default/model.safetensors is missing "
                                  + "(looked in the working folder and beside the binary); pass --model BUNDLE")
        }
        var job = DemoJob(modelURL: modelURL, out: URL(fileURLWithPath: out))
        job.input = input.map { URL(fileURLWithPath: $0) }
        job.align = align
        job.directions = directions.map { URL(fileURLWithPath: $0) }
        job.classifier = classifier.map { URL(fileURLWithPath: $0) }
        job.count = count
        job.device = device
        job.quiet = global.quiet
        let r = try job.run()
        print("GradStyle demo: \(r.images) images at \(r.resolution)² with \(modelURL.path)")
        print("| method | MSE | PSNR dB | SSIM | face PSNR dB |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for row in r.reconstruction {
            print(String(format: "| %@ | %.4f | %.2f | %.3f | %@ |", row.method, row.mse, row.psnr, row.ssim,
                         row.facePSNR.map { String(format: "%.2f", $0) } ?? "—"))
        }
        if let top = r.sweep.max(), top > 0 {
            for name in r.sigma.keys.sorted() {
                let kept = r.methods.compactMap { m in r.edit(name, top, m)?.keptPSNR.map { String(format: "%@ %.2f dB", m, $0) } }
                print("edit \(name) +\(String(format: "%g", top))σ: kept outside the region: \(kept.isEmpty ? "—" : kept.joined(separator: ", "))")
            }
        }
        for note in r.notes { print("note: \(note)") }
        print("report: \(out)/index.html (\(String(format: "%.1f", r.seconds)) s)")
    }
}
