import ArgumentParser
import Foundation
import Models
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
        let (methods, set, metrics) = try options.load(device: device)
        let firstModel = try options.modelURLs[0]
        let folder = directions.map { URL(fileURLWithPath: $0) }
            ?? firstModel.deletingLastPathComponent().appendingPathComponent("directions")
        var library = try DirectionLibrary(folder: folder, styleDim: methods.styleDim)
        if let edits {
            let wanted = edits.split(separator: ",").map(String.init)
            for name in wanted where !library.names.contains(name) {
                throw ModelError("no direction '\(name)' in \(folder.path) (has \(library.names.joined(separator: ", ")))")
            }
            library = try library.subset(wanted)
        }
        var sigma: [String: Double] = [:]
        for name in library.names {
            sigma[name] = DirectionScale.standardDeviation(folder.appendingPathComponent("\(name).json"))
        }
        var job = EditingProtocol(methods: methods, set: set, metrics: metrics, library: library, sigma: sigma)
        job.strengths = try parsedStrengths()
        job.quiet = global.quiet
        let (results, sheets) = try job.run()
        let largest = job.strengths.max()!
        // Charts: each edit at ± the largest strength, and the pooled rows.
        let chartRows = results.rows.filter { row in
            let magnitude = Double(row.keys[1].dropLast().replacingOccurrences(of: "+", with: "").replacingOccurrences(of: "±", with: "")) ?? 0
            return abs(abs(magnitude) - largest) < 1e-9 || (row.keys[0] == "all" && row.keys[1] == "0σ")
        }
        var report = ProtocolReport(name: "editing", results: results,
                                    charted: [EditingProtocol.changeColumn, "entanglement", "kept PSNR", "truth PSNR", "kept LPIPS",
                                              "truth LPIPS", "ID", "FD(classifier) vs attribute", "FID vs attribute"],
                                    sheets: library.names.compactMap { name in sheets[name].map { ("\(name) +\(String(format: "%g", largest))σ", $0) } })
        report.header = try options.header(methods) + ["Strengths: ±" + job.strengths.map { "\($0)" }.joined(separator: ", ±") + " σ (σ: the codes' standard deviation along each direction, from its .json)."]
        let written = try report.write(to: URL(fileURLWithPath: options.out), chartRows: chartRows)
        print("## \(results.title)\n\n" + results.markdown())
        if !global.quiet { FileHandle.standardError.write(Data("wrote \(written.count) files to \(options.out) (index.html)\n".utf8)) }
    }
}
