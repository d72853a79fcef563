import Foundation
import ImageIO
import Models
import Pipelines
import Torch
import XCTest

/// `gradstyle train hfgi` through the binary, on the HFGI parity fixture's e4e encoder and 64² generator (32² input)
/// and six generated 32² images: a run resumed half-way writes byte-identical files to one run straight through;
/// the written model is an HFGI model; mistakes get one line.
final class TrainHFGICommandTests: XCTestCase {
    var dir: URL!
    let encoder = BuiltBinary.packageRoot.appendingPathComponent("Tests/ModelsTests/Fixtures/hfgi_g64.pt")

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("train-hfgi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func makeData() throws -> URL {
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        Torch.manualSeed(4)
        let coarse = Functional.interpolate(Tensor.randn([6, 3, 4, 4]), size: (32, 32), mode: .bilinear).clamp(min: -1, max: 1)
        for (i, image) in try ImageTensors.rasterImages(coarse).enumerated() {
            try ImageFile.write(image, to: data.appendingPathComponent(String(format: "%02d.png", i)))
        }
        return data
    }

    func train(_ data: URL, out: String, steps: Int, extra: [String] = []) throws -> BuiltBinary.Run {
        try BuiltBinary.run(["train", "hfgi", "--encoder", encoder.path, "--data", data.path, "--out", dir.appendingPathComponent(out).path,
                             "--steps", String(steps), "--batch", "2", "--condition-hidden", "8", "--checkpoint-every", "2",
                             "--sample-every", "2", "--seed", "9", "--threads", "1", "--quiet"] + extra)
    }

    func testResumedRunWritesTheSameFilesAsAStraightOne() throws {
        let data = try makeData()
        let straight = try train(data, out: "straight", steps: 4)
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let half = try train(data, out: "resumed", steps: 2)
        XCTAssertEqual(half.status, 0, half.stderr)
        let resumed = try train(data, out: "resumed", steps: 4, extra: ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssert(resumed.stdout.contains("resumed at step 2"), resumed.stdout)
        for name in [TrainingFiles.checkpoint, HFGITrainingStep.modelFile, "samples/000004.png"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("straight/\(name)"))
            let b = try Data(contentsOf: dir.appendingPathComponent("resumed/\(name)"))
            XCTAssertEqual(a, b, "\(name) differs between the straight and the resumed run")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("straight/samples/000002.png").path))
        XCTAssertTrue(HFGIModel.isHFGI(dir.appendingPathComponent("straight/\(HFGITrainingStep.modelFile)")))

        // The same folder again without --resume: refused, nothing touched.
        let again = try train(data, out: "straight", steps: 6)
        XCTAssertNotEqual(again.status, 0)
        XCTAssert(again.errorLine.contains("--resume"), again.stderr)
    }

    func testMistakesGetOneLine() throws {
        let data = try makeData()
        let cases: [([String], String)] = [
            (["--distortion-scale", "2"], "--distortion-scale"),
            (["--noise", "none"], "--noise"),
            (["--lambda-res", "-1"], "--lambda-res"),
            (["--optimizer", "sgd"], "--optimizer"),
        ]
        for (extra, flag) in cases {
            let r = try train(data, out: "bad", steps: 2, extra: extra)
            XCTAssertNotEqual(r.status, 0, "\(extra)")
            XCTAssert(r.errorLine.contains(flag), "\(extra): \(r.stderr)")
        }
        let missing = try train(dir.appendingPathComponent("nowhere"), out: "bad", steps: 2)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssert(missing.errorLine.contains("nowhere"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad/checkpoint.safetensors").path))
    }
}
