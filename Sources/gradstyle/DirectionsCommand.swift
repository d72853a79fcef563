import ArgumentParser
import Foundation
import Pipelines

struct DirectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directions", abstract: "Sample labelled latents, fit and list latent editing directions.",
        subcommands: [FitDirectionCommand.self, ListDirectionsCommand.self, DirectionsSampleCommand.self])
}

struct FitDirectionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Learn an InterFaceGAN boundary for an attribute from latents and labels; write its unit normal.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Latent codes (.npy): N×D, or N×L×D (averaged over layers).")
    var latents: String

    @Option(help: "Labels CSV with a header; rows in the same order as the latents.")
    var labels: String

    @Option(help: "The CSV column to fit.")
    var attribute: String

    @Option(help: "Output folder: NAME.npy (1×D) and NAME.json (accuracy, scale).")
    var out: String

    @Option(help: "logistic or svm.")
    var method: String = "logistic"

    @Option(help: "Positive above this value (default: median, or 0.5 for 0/1 labels).")
    var threshold: Double?

    @Option(help: "Keep the most extreme fraction on each side (InterFaceGAN keeps clear cases), ≤ 0.5.")
    var ratio: Double = 0.5

    @Option(parsing: .singleValue, help: "A direction (.npy) to keep fixed: conditional manipulation. Repeatable.")
    var condition: [String] = []

    @Option(help: "Name of the written direction (default: the attribute).")
    var name: String?

    func validate() throws {
        guard DirectionFitting.Method(rawValue: method) != nil else {
            throw ValidationError("invalid --method '\(method)': expected logistic or svm")
        }
        guard ratio > 0, ratio <= 0.5 else { throw ValidationError("--ratio must be in (0, 0.5], got \(ratio)") }
        try OptionCheck.double(threshold, "--threshold", -1e12...1e12)
        if let name, !DirectionFitting.isValidName(name) {
            throw ValidationError("invalid --name '\(name)': expected a plain file name (no '/', not starting with '.')")
        }
    }

    func run() throws {
        _ = try global.apply()
        var fit = DirectionFitting(latents: URL(fileURLWithPath: latents), labels: URL(fileURLWithPath: labels), attribute: attribute)
        fit.method = DirectionFitting.Method(rawValue: method)!
        fit.threshold = threshold
        fit.ratio = ratio
        fit.conditions = condition.map { URL(fileURLWithPath: $0) }
        var job = DirectionFitJob(fitting: fit, out: URL(fileURLWithPath: out))
        job.name = name
        let r = try job.run()
        print(String(format: "%@: %d positive / %d negative, accuracy train %.3f, held-out %.3f; spread along n %.3f; wrote %@/%@.npy",
                     r.name, r.positives, r.negatives, r.trainAccuracy, r.validationAccuracy, r.projectionStd, out, r.name))
    }
}

struct ListDirectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the edits in a directions folder.")

    @Argument(help: "A folder of direction files (InterFaceGAN .pt/.npy, GANSpace *_pca.pt + ganspace.json).")
    var folder: String

    @Option(help: "The generator's style dimension (default: read from the direction files).")
    var styleDim: Int?

    @Option(help: "Accepted for symmetry with the other verbs; listing runs on the CPU.")
    var device: String = "auto"

    func validate() throws {
        try OptionCheck.count(styleDim, "--style-dim", max: 65536)
        try RuntimeSettings.device(named: device)
    }

    func run() throws {
        var job = DirectionListJob(folder: URL(fileURLWithPath: folder))
        job.styleDim = styleDim
        for edit in try job.run() {
            print("\(edit.name): \(edit.scaleNote)")
        }
    }
}
