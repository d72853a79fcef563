import Foundation
import Models

/// `gradstyle eval editing`: the editing protocol on the setup's methods and held-out set, for the directions of a
/// folder (default: `directions/` beside the first model), written as a report (`ProtocolReport`) into `out`.
public struct EditingEvaluationJob {
    public var setup: ProtocolSetup
    public var out: URL
    public var directions: URL?
    /// Only these directions (nil: all of the folder).
    public var edits: [String]?
    /// In standard deviations; each is applied with both signs; 0 is the no-edit control.
    public var strengths: [Double] = [0, 1, 2]
    /// The command line, for the report's header.
    public var command = ""
    public var quiet = false

    public init(setup: ProtocolSetup, out: URL) {
        self.setup = setup
        self.out = out
    }

    public func run() throws -> (results: ProtocolResults, written: [URL]) {
        let (methods, set, metrics) = try setup.load()
        let folder = DirectionFolder.url(directions, model: setup.models[0])
        var library = try DirectionLibrary(folder: folder, styleDim: methods.styleDim)
        if let edits {
            for name in edits where !library.names.contains(name) {
                throw ModelError("no direction '\(name)' in \(folder.path) (has \(library.names.joined(separator: ", ")))")
            }
            library = try library.subset(edits)
        }
        var sigma: [String: Double] = [:]
        for name in library.names {
            sigma[name] = DirectionScale.standardDeviation(folder.appendingPathComponent("\(name).json"))
        }
        var job = EditingProtocol(methods: methods, set: set, metrics: metrics, library: library, sigma: sigma)
        job.strengths = strengths
        job.quiet = quiet
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
        report.header = setup.header(methods, command: command)
            + ["Strengths: ±" + job.strengths.map { "\($0)" }.joined(separator: ", ±") + " σ (σ: the codes' standard deviation along each direction, from its .json)."]
        return (results, try report.write(to: out, chartRows: chartRows))
    }
}
