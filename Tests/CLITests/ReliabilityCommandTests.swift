import Foundation
import ImageIO
import Models
import Pipelines
import SyntheticFaces
import TensorIO
import Torch
import XCTest

/// Bad input through the real binary: one error line naming the option or file, a non-zero exit, no partial
/// output, nothing overwritten; locked output folders; interrupts; byte-identical checkpoints.
final class ReliabilityCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("reliability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// A tiny 8² generator (style dim 8), saved once.
    func tinyGenerator() throws -> String {
        Torch.manualSeed(3)
        let g = Generator(GeneratorConfig(size: 8, styleDim: 8, mappingLayers: 1, channels: [4: 8, 8: 8]))
        g.latentAverage = g.meanLatent(count: 16)
        try GeneratorCheckpoint.save(g, to: dir.appendingPathComponent("g.safetensors"))
        return path("g.safetensors")
    }

    /// Asserts a failure: the status, an `Error:` first line containing `expected`, and (when given) no `out`.
    func assertFails(_ arguments: [String], status: Int32? = nil, mentions expected: String, leavesNo out: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        check(try BuiltBinary.run(arguments, in: dir, file: file, line: line), arguments, status: status, mentions: expected,
              leavesNo: out, file: file, line: line)
    }

    /// `assertFails` for many runs at once, side by side (each run is mostly the binary's start-up).
    func assertAllFail(_ cases: [([String], String)], status: Int32? = nil, leavesNo out: String? = nil,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        var runs = [Result<BuiltBinary.Run, Error>?](repeating: nil, count: cases.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: cases.count) { i in
            let r = Result { try BuiltBinary.run(cases[i].0, in: dir, file: file, line: line) }
            lock.lock(); runs[i] = r; lock.unlock()
        }
        for ((arguments, expected), r) in zip(cases, runs) {
            check(try XCTUnwrap(r).get(), arguments, status: status, mentions: expected, leavesNo: out, file: file, line: line)
        }
    }

    func check(_ r: BuiltBinary.Run, _ arguments: [String], status: Int32?, mentions expected: String, leavesNo out: String?,
               file: StaticString, line: UInt) {
        if let status { XCTAssertEqual(r.status, status, "\(arguments): \(r.stderr)", file: file, line: line) }
        XCTAssertNotEqual(r.status, 0, "\(arguments) succeeded", file: file, line: line)
        XCTAssertTrue(r.errorLine.hasPrefix("Error: "), "\(arguments): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.errorLine.contains(expected), "\(arguments): '\(r.errorLine)' lacks '\(expected)'",
                      file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error"), "\(arguments) trapped: \(r.stderr)", file: file, line: line)
        if let out { XCTAssertFalse(exists(out), "\(arguments) left \(out)", file: file, line: line) }
    }

    // MARK: Options

    /// Every numeric option given NaN, ±infinity, a negative or an absurd value fails validation (exit 64) with
    /// the flag named, before anything is created: no traps (`--kimg nan` used to trap converting to Int).
    func testNumericOptionsFailNamingTheFlag() throws {
        let train = ["train", "stylegan2", "--data", path("none"), "--resolution", "8", "--out", path("run")]
        let generate = ["generate", "--generator", path("g"), "--seeds", "0-1", "--out", path("run")]
        let gradstyle = ["train", "gradstyle", "--encoder", path("e"), "--data", path("d"), "--out", path("run"), "--steps", "1"]
        let cases: [([String], String)] = [
            (train + ["--kimg", "nan"], "--kimg"), (train + ["--kimg", "inf"], "--kimg"),
            (train + ["--kimg", "1e300"], "--kimg"), (train + ["--steps", "0"], "--steps"),
            (train + ["--steps", "-5"], "--steps"), (train + ["--steps", "1", "--mixing", "2"], "--mixing"),
            (generate + ["--threads", "-3"], "--threads"), (generate + ["--threads", "100000"], "--threads"),
            (generate + ["--truncation", "nan"], "--truncation"),
            (gradstyle + ["--stages", ","], "--stages"), (gradstyle + ["--lambda-l2", "inf"], "--lambda-l2"),
            (["data", "synth", "--count", "-2", "--out", path("run")], "--count"),
            (["train", "classifier", "--data", path("d"), "--out", path("run"), "--lr", "-inf"], "--lr"),
            (["directions", "fit", "--latents", path("l"), "--labels", path("c"), "--attribute", "a", "--out", path("run"),
              "--ratio", "nan"], "--ratio"),
        ]
        try assertAllFail(cases, status: 64, leavesNo: "run")
    }

    // MARK: Numbers in files

    /// NaN, ±infinity and absurd values in every numeric input file type (npy latents as float32, float64 and
    /// float16; direction files; safetensors weights) are refused at load, naming the file. Every value goes through
    /// every loader in-process; NaN also goes through the binary, for the message, the exit code and no output.
    func testNonFiniteValuesInFilesAreRefusedNamingTheFile() throws {
        let generator = try tinyGenerator()
        let bad: [(String, Float)] = [("nan", .nan), ("inf", .infinity), ("ninf", -.infinity), ("huge", 1e30)]
        for (label, value) in bad {
            var values = [Float](repeating: 0.5, count: 2 * 8)
            values[3] = value
            let wURL = dir.appendingPathComponent("w-\(label).npy")
            try NPY.write(HostTensor(float32: values, shape: [2, 8]), to: wURL)
            let w64URL = dir.appendingPathComponent("w64-\(label).npy")
            try NPY.write(HostTensor(scalarType: .float64, shape: [2, 8],
                                     bytes: values.map(Double.init).withUnsafeBufferPointer { Data(buffer: $0) }), to: w64URL)
            for url in [wURL, w64URL] {
                XCTAssertThrowsError(try NPY.read(url)) { XCTAssertTrue("\($0)".hasPrefix(url.path + ": "), "\($0)") }
            }

            // A direction file among good ones.
            let directions = dir.appendingPathComponent("dirs-\(label)")
            try FileManager.default.createDirectory(at: directions, withIntermediateDirectories: true)
            try NPY.write(HostTensor(float32: [Float](repeating: 0.1, count: 8), shape: [1, 8]),
                          to: directions.appendingPathComponent("good.npy"))
            try NPY.write(HostTensor(float32: Array(values.prefix(8)), shape: [1, 8]),
                          to: directions.appendingPathComponent("smile.npy"))
            XCTAssertThrowsError(try DirectionLibrary(folder: directions, styleDim: 8)) {
                XCTAssertTrue("\($0)".contains("smile.npy"), "\($0)")
            }

            // Checkpoint weights: one element of one tensor.
            let (tensors, metadata) = try SafeTensors.read(URL(fileURLWithPath: generator))
            var poisoned = tensors
            let name = tensors.names.first { tensors[$0]!.scalarType == .float32 && tensors[$0]!.elementCount > 3 }!
            var floats = tensors[name]!.floats()
            floats[2] = value
            poisoned[name] = HostTensor(float32: floats, shape: tensors[name]!.shape)
            let badG = dir.appendingPathComponent("g-\(label).safetensors")
            try SafeTensors.encode(poisoned, metadata: metadata).write(to: badG)
            XCTAssertThrowsError(try GeneratorCheckpoint.load(badG)) {
                XCTAssertTrue("\($0)".contains("\(badG.path): tensor '\(name)' holds"), "\($0)")
            }

            guard label == "nan" else { continue }
            try assertFails(["generate", "--generator", generator, "--w", wURL.path, "--out", path("out")],
                            mentions: wURL.path, leavesNo: "out")
            try assertFails(["generate", "--generator", generator, "--z", w64URL.path, "--out", path("out")],
                            mentions: w64URL.path, leavesNo: "out")
            try assertFails(["directions", "list", directions.path], mentions: "smile.npy")
            try assertFails(["generate", "--generator", badG.path, "--seeds", "0-1", "--out", path("out")],
                            mentions: "\(badG.path): tensor '\(name)'", leavesNo: "out")
        }
        // float16 (infinity is representable), and a W code that is finite but absurd for a latent.
        let half = HostTensor(scalarType: .float16, shape: [1, 8], bytes: Data([0, 0x3C, 0, 0x7C] + [UInt8](repeating: 0, count: 12)))
        let halfURL = dir.appendingPathComponent("half.npy")
        try NPY.write(half, to: halfURL)
        XCTAssertThrowsError(try NPY.read(halfURL)) { XCTAssertTrue("\($0)".contains("+infinity at element 1"), "\($0)") }
        let large = dir.appendingPathComponent("large.npy")
        try NPY.write(HostTensor(float32: [Float](repeating: 1e9, count: 8), shape: [1, 8]), to: large)
        try assertFails(["generate", "--generator", generator, "--w", large.path, "--out", path("out")],
                        mentions: "\(large.path): the W array holds 1000000000.0 at element 0", leavesNo: "out")
    }

    // MARK: Resources

    func testHugeSeedRangesStreamToFoldersAndAreRefusedForAGrid() throws {
        let generator = try tinyGenerator()
        try assertFails(["generate", "--generator", generator, "--seeds", "0-100000000", "--out", path("grid.png")],
                        mentions: "do not fit in memory", leavesNo: "grid.png")
        let r = try BuiltBinary.run(["generate", "--generator", generator, "--seeds", "5-7", "--out", path("imgs"),
                                     "--batch", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("imgs")).sorted(),
                       ["seed0005.png", "seed0006.png", "seed0007.png"])
    }

    /// A valid-looking 20000×20000 PNG header is refused from the header, naming the file and the option.
    func testDecompressionBombIsRefusedFromTheHeader() throws {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        png += [0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20, 8, 2, 0, 0, 0, 0, 0, 0, 0]
        let input = dir.appendingPathComponent("bomb.png")
        try Data(png).write(to: input)
        let model = BuiltBinary.packageRoot.appendingPathComponent("models/default/model.safetensors").path
        try assertFails(["invert", "--model", model, "--input", input.path, "--out", path("out")],
                        mentions: "--max-pixels", leavesNo: "out")
        try assertFails(["edit", "--model", model, "--input", input.path, "--out", path("out"), "--edit", "smile:1"],
                        mentions: "20000×20000", leavesNo: "out")
    }

    /// Counts whose results are all held in memory (a held-out set, sampled codes) are refused at the start when
    /// they cannot fit, naming the count, instead of working for hours and then running out of memory.
    func testCountsThatCannotFitInMemoryAreRefusedAtOnce() throws {
        let root = BuiltBinary.packageRoot.appendingPathComponent("models/default")
        let model = root.appendingPathComponent("model.safetensors").path
        let classifier = root.appendingPathComponent("classifier.safetensors").path
        try assertAllFail([
            (["eval", "reconstruction", "--model", model, "--count", "100000000", "--out", path("out")],
             "100000000 held-out images"),
            (["directions", "sample", "--generator", model, "--classifier", classifier, "--count", "100000000",
              "--out", path("out")], "100000000 codes"),
        ], status: 1, leavesNo: "out")
        // A small sample publishes its two files together, with nothing of the staging left beside them.
        let r = try BuiltBinary.run(["directions", "sample", "--generator", model, "--classifier", classifier,
                                     "--count", "3", "--out", path("sample"), "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("sample")).sorted(), ["labels.csv", "w.npy"])
    }

    /// `align` with no photo aligned (a bomb header here; "no face found" takes the same path) publishes nothing:
    /// no output folder is left, and the run ends with its per-photo `error:` line, not an "Error: ExitCode" line.
    func testAlignWithNothingAlignedLeavesNoFolder() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/dlib/shape_predictor_68_face_landmarks.dat") else {
            throw XCTSkip("dlib's landmark model (libdlib-data) is not installed")
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        png += [0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20, 8, 2, 0, 0, 0, 0, 0, 0, 0]
        let photos = dir.appendingPathComponent("photos")
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        try Data(png).write(to: photos.appendingPathComponent("bomb.png"))
        let r = try BuiltBinary.run(["align", "--input", photos.path, "--out", path("aligned"), "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.errorLine.hasPrefix("error: bomb.png: 20000×20000"), r.stderr)
        XCTAssertFalse(exists("aligned"), "a run that aligned nothing left its output folder")
    }

    /// `demo` without `--model`, run where no bundled model can be found (a copy of the binary outside the
    /// package), is bad input like any other: one line naming the option, exit 64, no output folder.
    func testDemoWithoutAModelFailsInOneLine() throws {
        let copy = dir.appendingPathComponent("bin/gradstyle")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: BuiltBinary.url, to: copy)
        let r = try BuiltBinary.run(["demo", "--out", path("demo")], in: dir, executable: copy)
        check(r, ["demo"], status: 64, mentions: "no --model given", leavesNo: "demo", file: #filePath, line: #line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertEqual(r.stdout, "")
    }

    /// Results printed to standard output on a full disk (/dev/full) are a failure with one line, not exit 0.
    func testResultsThatCannotBeWrittenToStandardOutputFail() throws {
        let model = BuiltBinary.packageRoot.appendingPathComponent("models/default/model.safetensors").path
        let process = Process()
        process.executableURL = BuiltBinary.url
        process.arguments = ["inspect", model]
        process.standardOutput = try XCTUnwrap(FileHandle(forWritingAtPath: "/dev/full"))
        let err = Pipe()
        process.standardError = err
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 1, stderr)
        XCTAssertEqual(stderr, "Error: cannot write the results to standard output: No space left on device\n")
    }

    // MARK: Output folders

    /// A folder another run holds (here: this process) is refused at once, naming it; nothing is added to it.
    func testSecondRunIntoALockedFolderFails() throws {
        let out = dir.appendingPathComponent("data")
        var lock: OutputLock? = try OutputLock(out)
        try assertFails(["data", "synth", "--count", "2", "--size", "32", "--out", out.path], mentions: "in use by another gradstyle run (pid \(getpid()))")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [OutputLock.fileName])
        // Training (a `--resume` while a run still trains) is refused the same way, before anything is read.
        let images = dir.appendingPathComponent("images")
        try SyntheticDataset.write(count: 2, to: images, size: 32, quiet: true)
        try assertFails(["train", "stylegan2", "--data", images.path, "--resolution", "8", "--out", out.path, "--steps", "2",
                         "--channels", "4:8,8:8", "--style-dim", "8", "--mapping-layers", "1", "--resume"],
                        mentions: "\(out.path): in use by another gradstyle run")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [OutputLock.fileName])
        XCTAssertNotNil(lock)
        lock = nil
        // Released: the lock file goes with it.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [])
    }

    /// SIGINT and SIGTERM during `data synth` leave nothing (the run's own folder is removed); a later run into a
    /// folder clears staging folders and temporaries that killed runs left.
    func testInterruptsLeaveNoPartialOutputAndLeftoversAreCleaned() throws {
        for (signal, name) in [(SIGINT, "int"), (SIGTERM, "term")] {
            let out = dir.appendingPathComponent(name)
            let started = try BuiltBinary.start(["data", "synth", "--count", "1000000", "--size", "32", "--out", out.path, "--quiet"])
            let deadline = Date().addingTimeInterval(20)
            // Wait until images are being staged.
            while Date() < deadline {
                let staged = (try? FileManager.default.contentsOfDirectory(atPath: out.path))?
                    .first { $0.hasPrefix(".gradstyle-staging-") }
                if let staged, ((try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(staged).path))?.count ?? 0) > 2 { break }
                usleep(20_000)
            }
            let r = stop(started, with: signal)
            XCTAssertEqual(r.status, 128 + signal, r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "interrupted run left \(out.path)")
        }
        let out = dir.appendingPathComponent("reused")
        let staging = out.appendingPathComponent(".gradstyle-staging-LEFT")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: staging.appendingPathComponent("000000.png"))
        try Data("x".utf8).write(to: out.appendingPathComponent(".labels.csv.tmp-1-2"))
        let r = try BuiltBinary.run(["data", "synth", "--count", "2", "--size", "32", "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(),
                       ["000000.png", "000001.png", "labels.csv", "synth.json"])
    }

    /// A run started with SIGINT and SIGTERM blocked (as Foundation's `Process` passes on from a Dispatch worker
    /// thread) still ends on SIGTERM and cleans up: it used to work on, deaf to everything but SIGKILL.
    func testSignalsBlockedByTheParentStillEndTheRun() throws {
        let out = dir.appendingPathComponent("blocked")
        final class Spawn: @unchecked Sendable {
            var started: BuiltBinary.Started?
            var failure: Error?
        }
        let spawn = Spawn()
        let spawned = DispatchSemaphore(value: 0)
        let spawner = Thread {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            sigaddset(&set, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            do {
                spawn.started = try BuiltBinary.start(["data", "synth", "--count", "1000000", "--size", "32", "--out", out.path, "--quiet"])
            } catch { spawn.failure = error }
            spawned.signal()
        }
        spawner.start()
        spawned.wait()
        if let failure = spawn.failure { throw failure }
        let run = try XCTUnwrap(spawn.started)
        waitUntilWriting(out)
        XCTAssertEqual(stop(run, with: SIGTERM).status, 128 + SIGTERM)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "the interrupted run left \(out.path)")
    }

    /// A run started with SIGINT ignored (a shell script's background job) keeps ignoring it, as POSIX programs do,
    /// and still ends on SIGTERM with its cleanup: it used to install its handler over the inherited "ignore".
    func testAnInheritedIgnoredSIGINTStaysIgnored() throws {
        let out = dir.appendingPathComponent("ignored")
        // sh ignores SIGINT, then exec keeps the disposition for the binary.
        let run = try BuiltBinary.start(["-c", "trap '' INT; exec \"$0\" \"$@\"", BuiltBinary.url.path,
                                         "data", "synth", "--count", "1000000", "--size", "32", "--out", out.path, "--quiet"],
                                        executable: URL(fileURLWithPath: "/bin/sh"))
        waitUntilWriting(out)
        XCTAssertTrue(run.process.isRunning, "the run ended before the signal was sent")
        kill(run.process.processIdentifier, SIGINT)
        // An unignored SIGINT ends the run within milliseconds (the cleanup removes one folder).
        let watch = Date().addingTimeInterval(2)
        while run.process.isRunning && Date() < watch { usleep(20_000) }
        XCTAssertTrue(run.process.isRunning, "SIGINT ended a run that was started with SIGINT ignored")
        let ended = stop(run, with: SIGTERM)
        XCTAssertEqual(ended.status, 128 + SIGTERM, ended.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "the interrupted run left \(out.path)")
    }

    /// Waits (up to 20 s) until a run has written its lock and staging folder into `out`.
    func waitUntilWriting(_ out: URL) {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, ((try? FileManager.default.contentsOfDirectory(atPath: out.path))?.count ?? 0) < 2 {
            usleep(20_000)
        }
    }

    /// Sends `signal` and collects the run; one that is still running 20 s later is killed and the test fails,
    /// rather than waiting on it for ever.
    func stop(_ run: BuiltBinary.Started, with signal: Int32, file: StaticString = #filePath, line: UInt = #line) -> BuiltBinary.Run {
        kill(run.process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(20)
        while run.process.isRunning && Date() < deadline { usleep(20_000) }
        if run.process.isRunning {
            kill(run.process.processIdentifier, SIGKILL)
            XCTFail("signal \(signal) did not end the run within 20 s", file: file, line: line)
        }
        return BuiltBinary.finish(run)
    }

    /// `edit` on a folder with face.png and face.jpg names their results apart (as `invert` does), and a broken
    /// image anywhere in the folder fails the run before anything is written.
    func testEditNamesSameStemInputsApartAndWritesNothingOnABadInput() throws {
        let model = BuiltBinary.packageRoot.appendingPathComponent("models/default/model.safetensors").path
        let faces = dir.appendingPathComponent("faces")
        try FileManager.default.createDirectory(at: faces, withIntermediateDirectories: true)
        let image = try ImageTensors.rasterImages(Tensor.rand([1, 3, 32, 32]) * 2 - 1)[0]
        try ImageFile.write(image, to: faces.appendingPathComponent("face.png"))
        try ImageFile.write(image, to: faces.appendingPathComponent("face.jpg"))
        let r = try BuiltBinary.run(["edit", "--model", model, "--input", faces.path, "--out", path("edited"),
                                     "--edit", "smile:1", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("edited")).sorted(),
                       ["face_jpg_inversion.png", "face_jpg_smile_+1.png", "face_png_inversion.png", "face_png_smile_+1.png"])

        let png = try Data(contentsOf: faces.appendingPathComponent("face.png"))
        try png.prefix(png.count / 2).write(to: faces.appendingPathComponent("zz_truncated.png"))
        try assertFails(["edit", "--model", model, "--input", faces.path, "--out", path("edited2"), "--edit", "smile:1"],
                        mentions: "zz_truncated.png", leavesNo: "edited2")
    }

    /// `directions fit --name` cannot leave `--out`; NaN latents and an all-zero condition are refused naming
    /// the file, and write nothing.
    func testDirectionsFitRefusesEscapingNamesAndDegenerateInputs() throws {
        var values: [Float] = []
        var labels = "smile\n"
        for i in 0..<20 {
            let s: Float = i % 2 == 0 ? 1 : -1
            values += (0..<8).map { Float($0 == 0 ? s : 0) + Float(i) * 0.01 * Float($0) }
            labels += "\(s > 0 ? 1 : 0)\n"
        }
        let latents = dir.appendingPathComponent("w.npy"), csv = dir.appendingPathComponent("labels.csv")
        try NPY.write(HostTensor(float32: values, shape: [20, 8]), to: latents)
        try Data(labels.utf8).write(to: csv)
        let fit = ["directions", "fit", "--latents", latents.path, "--labels", csv.path, "--attribute", "smile", "--out", path("dirs")]
        try assertFails(fit + ["--name", "../../x"], status: 64, mentions: "--name", leavesNo: "dirs")
        let zero = dir.appendingPathComponent("zero.npy")
        try NPY.write(HostTensor(float32: [Float](repeating: 0, count: 8), shape: [1, 8]), to: zero)
        try assertFails(fit + ["--condition", zero.path], mentions: zero.path, leavesNo: "dirs")
        var poisoned = values
        poisoned[5] = .nan
        try NPY.write(HostTensor(float32: poisoned, shape: [20, 8]), to: latents)
        try assertFails(fit, mentions: latents.path, leavesNo: "dirs")
        try NPY.write(HostTensor(float32: values, shape: [20, 8]), to: latents)
        let r = try BuiltBinary.run(fit)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("dirs")).sorted(), ["smile.json", "smile.npy"])
    }

    // MARK: Reproducibility

    /// Two identical tiny training runs write byte-identical files, and so does a run stopped and resumed.
    func testIdenticalAndResumedRunsWriteByteIdenticalCheckpoints() throws {
        let data = dir.appendingPathComponent("data")
        XCTAssertEqual(try BuiltBinary.run(["data", "synth", "--count", "6", "--size", "32", "--out", data.path, "--quiet"]).status, 0)
        func train(_ out: String, steps: Int, resume: Bool = false) throws {
            let r = try BuiltBinary.run(["train", "stylegan2", "--data", data.path, "--resolution", "8", "--out", path(out),
                                         "--steps", "\(steps)", "--channels", "4:8,8:8", "--style-dim", "8",
                                         "--mapping-layers", "1", "--batch", "2", "--threads", "1", "--quiet"]
                                        + (resume ? ["--resume"] : []))
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        try train("a", steps: 4)
        try train("b", steps: 4)
        try train("c", steps: 2)
        try train("c", steps: 4, resume: true)
        for name in ["checkpoint.safetensors", "generator.safetensors"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("a/\(name)"))
            XCTAssertEqual(a, try Data(contentsOf: dir.appendingPathComponent("b/\(name)")), "\(name): identical runs differ")
            XCTAssertEqual(a, try Data(contentsOf: dir.appendingPathComponent("c/\(name)")), "\(name): the resumed run differs")
        }
        // A resume with a changed option says so.
        let r = try BuiltBinary.run(["train", "stylegan2", "--data", data.path, "--resolution", "8", "--out", path("c"),
                                     "--steps", "5", "--channels", "4:8,8:8", "--style-dim", "8", "--mapping-layers", "1",
                                     "--batch", "3", "--threads", "1", "--quiet", "--resume"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("note: batch: 2 in the checkpoint, 3 now: the new value applies from step 4"), r.stderr)
    }
}
