import Foundation
import ImageIO
import XCTest

/// The command line's contract, verb by verb, through the built binary: every verb parses and prints its help;
/// a missing input file, an unknown or malformed option, and NaN in a numeric option each end the run with ONE line
/// on standard error (`Error: …`, naming the file or the flag), a non-zero exit (64 for options, as
/// ArgumentParser reports bad usage) and no output folder. Nothing here loads a model: each case fails before work
/// starts. Each run pays the binary's start (loading libtorch: about half a CPU-second), so the cases are few, one
/// or two per verb, and run side by side.
final class CommandLineContractTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Every verb and sub-verb (the leaves of `gradstyle --help`).
    static let verbs: [[String]] = [
        ["align"], ["bench"], ["data", "synth"], ["demo"], ["directions", "fit"], ["directions", "list"],
        ["directions", "sample"], ["edit"], ["eval", "pairs"], ["eval", "reconstruction"], ["eval", "editing"],
        ["generate"], ["inspect"], ["invert"], ["train", "stylegan2"], ["train", "encoder"], ["train", "gradstyle"],
        ["train", "classifier"], ["bundle", "merge"], ["bundle", "rename"], ["bundle", "convert"],
    ]

    /// One run that must fail. Paths are relative: case i runs in `case<i>/` of its own, which holds `in/a.png`
    /// (a small non-square image, so a verb that checks its images first gets past them) and nothing else.
    struct Case {
        let arguments: [String]
        /// Text the error line must contain (the file or the flag).
        let mentions: String
        /// The exit status, when the contract fixes it (64: bad usage).
        var status: Int32?

        init(_ arguments: [String], mentions: String, status: Int32? = nil) {
            self.arguments = arguments
            self.mentions = mentions
            self.status = status
        }
    }

    /// Runs the cases side by side, each in its own folder, and checks each against the contract: a non-zero exit
    /// (`status` when given, never a signal), exactly one line on standard error, `Error: ` and the named thing on
    /// it, and no `out` left behind.
    func assertContract(_ cases: [Case], file: StaticString = #filePath, line: UInt = #line) throws {
        let image = try RasterImage(width: 12, height: 8, channels: 3, fill: 90)
        let folders = try cases.indices.map { i -> URL in
            let folder = dir.appendingPathComponent("case\(i)")
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("in"), withIntermediateDirectories: true)
            try ImageFile.write(image, to: folder.appendingPathComponent("in/a.png"))
            return folder
        }
        var runs = [Result<BuiltBinary.Run, Error>?](repeating: nil, count: cases.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: cases.count) { i in
            let r = Result { try BuiltBinary.run(cases[i].arguments, in: folders[i], file: file, line: line) }
            lock.lock(); runs[i] = r; lock.unlock()
        }
        for ((c, folder), result) in zip(zip(cases, folders), runs) {
            let r = try XCTUnwrap(result).get()
            let what = c.arguments.joined(separator: " ")
            let lines = r.stderr.split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            XCTAssertNotEqual(r.status, 0, "\(what) succeeded", file: file, line: line)
            if let status = c.status { XCTAssertEqual(r.status, status, "\(what): \(r.stderr)", file: file, line: line) }
            XCTAssertLessThan(r.status, 128, "\(what) died of a signal: \(r.stderr)", file: file, line: line)
            XCTAssertEqual(lines.count, 1, "\(what): expected one error line, got:\n\(r.stderr)", file: file, line: line)
            XCTAssertTrue(r.errorLine.hasPrefix("Error: "), "\(what): \(r.stderr)", file: file, line: line)
            XCTAssertTrue(r.errorLine.contains(c.mentions), "\(what): '\(r.errorLine)' lacks '\(c.mentions)'",
                          file: file, line: line)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path),
                           "\(what) left its output", file: file, line: line)
        }
    }

    /// The root help names every verb; one sub-verb's help shows its own usage line.
    func testHelpExitsZeroAndNamesEveryVerb() throws {
        let root = try BuiltBinary.run(["--help"])
        XCTAssertEqual(root.status, 0, root.stderr)
        for verb in Set(Self.verbs.map { $0[0] }) { XCTAssertTrue(root.stdout.contains("  \(verb) "), "\(verb): \(root.stdout)") }
        let sub = try BuiltBinary.run(["train", "classifier", "--help"])
        XCTAssertEqual(sub.status, 0, sub.stderr)
        XCTAssertTrue(sub.stdout.contains("USAGE: gradstyle train classifier"), sub.stdout)
    }

    /// A verb without its required options is bad usage: exit 64, one line naming a missing option.
    func testMissingRequiredOptionsAreBadUsage() throws {
        try assertContract([
            Case(["align"], mentions: "--input", status: 64), Case(["edit", "--model", "m"], mentions: "--input", status: 64),
            Case(["nonsense"], mentions: "nonsense", status: 64),
        ])
    }

    /// A file or folder that is not there: one line naming it, before any output exists.
    func testMissingFilesAreNamed() throws {
        let m = "missing.safetensors", folder = "no-folder"
        try assertContract([
            Case(["align", "--input", folder, "--out", "out"], mentions: folder),
            Case(["bench", "gradstyle", "--model", m, "--repeats", "1"], mentions: m),
            Case(["demo", "--model", m, "--out", "out"], mentions: m),
            Case(["directions", "fit", "--latents", m, "--labels", "labels.csv", "--attribute", "smile", "--out", "out"],
                 mentions: m),
            Case(["directions", "list", folder], mentions: folder),
            Case(["directions", "sample", "--generator", m, "--classifier", "c.safetensors", "--count", "2", "--out", "out"],
                 mentions: m),
            Case(["edit", "--model", m, "--input", "in", "--out", "out", "--edit", "smile:1"], mentions: m),
            Case(["eval", "pairs", "--pred", folder, "--target", "in"], mentions: folder),
            Case(["eval", "reconstruction", "--model", m, "--out", "out"], mentions: m),
            Case(["eval", "editing", "--model", m, "--out", "out"], mentions: m),
            Case(["generate", "--generator", m, "--seeds", "0-1", "--out", "out"], mentions: m),
            Case(["inspect", m], mentions: m),
            Case(["invert", "--model", m, "--input", "in", "--out", "out"], mentions: m),
            Case(["invert", "--model", m, "--input", folder, "--out", "out"], mentions: folder),
            Case(["train", "stylegan2", "--data", folder, "--resolution", "8", "--steps", "1", "--out", "out"], mentions: folder),
            // The trainings check their inputs before they lock (and so create) the output folder.
            Case(["train", "encoder", "--generator", m, "--data", "in", "--out", "out", "--steps", "1"], mentions: m),
            Case(["train", "gradstyle", "--encoder", m, "--data", "in", "--out", "out", "--steps", "1"], mentions: m),
            Case(["train", "hfgi", "--encoder", m, "--data", "in", "--out", "out", "--steps", "1"], mentions: m),
            Case(["train", "classifier", "--data", folder, "--out", "out"], mentions: folder),
            Case(["bundle", "merge", m, "other.safetensors", "--out", "out"], mentions: m),
            Case(["bundle", "convert", m, "--storage", "float16", "--out", "out"], mentions: m),
        ])
    }

    /// Words where numbers go, NaN, infinity and out-of-range values: bad usage naming the flag. One case for each
    /// verb that ReliabilityCommandTests.testNumericOptionsFailNamingTheFlag does not already cover (train stylegan2,
    /// train gradstyle, train classifier, generate, data synth, directions fit are there).
    func testMalformedOptionValuesAreBadUsageNamingTheFlag() throws {
        let g = "g.safetensors"
        let generate = ["generate", "--generator", g, "--seeds", "0-1", "--out", "out"]
        try assertContract([
            Case(generate + ["--batch", "many"], mentions: "--batch", status: 64),
            Case(["align", "--input", "in", "--out", "out", "--size", "0"], mentions: "--size", status: 64),
            Case(["bench", "no-such-benchmark"], mentions: "no-such-benchmark"),
            Case(["directions", "sample", "--generator", g, "--classifier", "c", "--count", "2", "--out", "out",
                  "--truncation", "nan"], mentions: "--truncation", status: 64),
            Case(["edit", "--model", g, "--input", "in", "--out", "out", "--edit", "smile:1", "--batch", "0"],
                 mentions: "--batch", status: 64),
            Case(["eval", "pairs", "--pred", "in", "--target", "in", "--batch", "-1"], mentions: "--batch", status: 64),
            Case(["eval", "reconstruction", "--out", "out", "--count", "0"], mentions: "--count", status: 64),
            Case(["eval", "editing", "--out", "out", "--strengths", "1,nan"], mentions: "--strengths"),
            Case(["inspect", g, "--tensors", "-1"], mentions: "--tensors", status: 64),
            Case(["invert", "--model", g, "--input", "in", "--out", "out", "--output-size", "nan"],
                 mentions: "--output-size", status: 64),
            Case(["train", "encoder", "--generator", g, "--data", "in", "--out", "out", "--lr", "nan"],
                 mentions: "--lr", status: 64),
            Case(["demo", "--count", "0", "--out", "out"], mentions: "--count", status: 64),
        ])
    }

    /// An output path that is a file, not a folder: one line naming it, and the file is left alone.
    func testOutputThatIsAFileIsRefused() throws {
        let file = dir.appendingPathComponent("case0/taken")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: file)
        try assertContract([Case(["data", "synth", "--count", "1", "--size", "32", "--out", "taken"], mentions: "taken")])
        XCTAssertEqual(try Data(contentsOf: file), Data("keep".utf8))
    }
}
