import ArgumentParser
import Foundation
import Pipelines

struct EvalEditingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "editing",
        abstract: "Editing protocol: each direction at each strength, for every method, against the renderer's truth.",
        discussion: """
        For every direction (default: the bundle's directions/ folder) at ± each --strengths (standard deviations of \
        the codes along it): the attribute change achieved and entanglement (attribute classifier), PSNR/LPIPS \
        against the source outside the edited region, ID similarity, PSNR/LPIPS against the true edited face (the \
        renderer's counterfactual with the attribute changed by as much as the edit changed it), and FD/KID against \
        faces that have the target attribute. Writes OUT/editing.md, _summary.csv, _images.csv, .json, SVG charts, \
        one sheet per edit and index.html.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: EvalProtocolOptions

    @Option(help: "Folder of direction files (default: beside the first model, directions/).")
    var directions: String?

    @Option(help: "Edit strengths in standard deviations, comma-separated; each is applied with both signs; 0 is the no-edit control.")
    var strengths: String = "0,1,2"

    @Option(help: "Only these directions (comma-separated names).")
    var edits: String?

    func parsedStrengths() throws -> [Double] {
        try strengths.split(separator: ",").map { s in
            guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v >= 0, v.isFinite else {
                throw ValidationError("invalid --strengths entry '\(s)': a non-negative number of standard deviations")
            }
            return v
        }
    }

    func validate() throws { _ = try parsedStrengths() }

    func run() throws {
        let device = try global.apply()
        var setup = try options.setup()
        setup.device = device
        var job = EditingEvaluationJob(setup: setup, out: URL(fileURLWithPath: options.out))
        job.directions = directions.map { URL(fileURLWithPath: $0) }
        job.edits = edits.map { $0.split(separator: ",").map(String.init) }
        job.strengths = try parsedStrengths()
        job.command = EvalProtocolOptions.commandLine
        job.quiet = global.quiet
        let (results, written) = try job.run()
        print("## \(results.title)\n\n" + results.markdown())
        if !global.quiet { FileHandle.standardError.write(Data("wrote \(written.count) files to \(options.out) (index.html)\n".utf8)) }
    }
}
