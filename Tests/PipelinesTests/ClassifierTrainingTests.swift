import Dispatch
import Foundation
import ImageIO
import Models
import NN
@testable import Pipelines
import Torch
import XCTest

/// Training the attribute classifier: it learns from rendered faces, flips negate yaw, resume is exact, the labels
/// folder format of `data synth` loads.
final class ClassifierTrainingTests: XCTestCase {
    func tmpDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("cls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    /// Faces whose smile and yaw come from the sampler, with every other attribute fixed and the details (hair,
    /// clothes, background) of `identities` people: a set small enough to render in a test from which smile is still
    /// learnable (with every nuisance factor varying, the few mouth pixels at 32² need thousands of images).
    static func writeFaces(count: Int, size: Int, to dir: URL, identities: Int = 8, seed: UInt64 = 3) throws {
        let sampler = FaceSampler(seed: seed), renderer = FaceRenderer()
        let lock = NSLock()
        var failure: Error?
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let drawn = sampler.attributes(i)
            let a = FaceAttributes(smile: drawn.smile, yaw: drawn.yaw)
            do {
                try ImageFile.write(renderer.render(attributes: a, details: sampler.details(i % identities), size: size),
                                    to: dir.appendingPathComponent(SyntheticDataset.fileName(index: i)))
            } catch {
                lock.lock(); failure = error; lock.unlock()
            }
        }
        if let failure { throw failure }
        var csv = "file,smile,yaw\n"
        for i in 0..<count {
            let a = sampler.attributes(i)
            csv += "\(SyntheticDataset.fileName(index: i)),\(a.smile),\(a.yaw)\n"
        }
        try Data(csv.utf8).write(to: dir.appendingPathComponent("labels.csv"))
    }

    func options(_ edit: (inout ClassifierTrainingOptions) -> Void = { _ in }) -> ClassifierTrainingOptions {
        var o = ClassifierTrainingOptions()
        o.attributes = ["smile", "yaw"]
        o.size = 32
        o.widths = [16, 32, 64]
        o.batch = 16
        o.learningRate = 3e-3
        edit(&o)
        return o
    }

    func testLearnsSmileAndYawBetterThanPredictingTheMean() throws {
        let dir = try tmpDir()
        try Self.writeFaces(count: 128, size: 32, to: dir)
        let data = try LabelledImageSet(root: dir, attributes: ["smile", "yaw"], size: 32)
        Torch.manualSeed(1)
        let trainer = try ClassifierTrainer(data: data, options: options { $0.validationFraction = 0.25 })
        trainer.quiet = true
        XCTAssertEqual(trainer.heldOutIndices, Array(96..<128), "the last rows are held out")
        for _ in 0..<1000 { try trainer.trainStep() }
        let scores = try XCTUnwrap(trainer.evaluate())
        // Held-out faces: new smiles and poses of the same people. (Measured: smile R² ≈ 0.4–0.6, yaw ≈ 0.95.)
        for name in ["smile", "yaw"] {
            let e = try XCTUnwrap(scores[name])
            XCTAssertLessThan(e.mae, 0.8 * e.baselineMAE, "\(name): \(scores.summary)")
            XCTAssertGreaterThan(e.r2 ?? -1, 0.2, "\(name): \(scores.summary)")
        }
    }

    func testFlipsMirrorTheImageAndNegateYawOnly() throws {
        let dir = try tmpDir()
        try Self.writeFaces(count: 8, size: 32, to: dir)
        let data = try LabelledImageSet(root: dir, attributes: ["smile", "yaw"], size: 32)
        let trainer = try ClassifierTrainer(data: data, options: options { $0.validationFraction = 0 })
        Torch.manualSeed(4)
        let rows = Array(0..<8)
        let (x, y) = trainer.batch(rows)
        let plain = data.images(rows), labels = data.labels(rows).floats()
        let got = y.floats()
        var flipped = 0
        for i in rows {
            let isFlipped = x[i].eq(plain[i].flip([2])).all().item() != 0 && x[i].ne(plain[i]).any().item() != 0
            if isFlipped { flipped += 1 } else { XCTAssertEqual(x[i].floats(), plain[i].floats(), "row \(i)") }
            XCTAssertEqual(got[2 * i], labels[2 * i], "smile never changes sign")
            XCTAssertEqual(got[2 * i + 1], isFlipped ? -labels[2 * i + 1] : labels[2 * i + 1], "row \(i) yaw")
        }
        XCTAssertTrue((1..<8).contains(flipped), "seed 4 flips some but not all of 8 rows (\(flipped))")
    }

    func testResumeReproducesAnUninterruptedRun() throws {
        let data = try tmpDir(), dirA = try tmpDir(), dirB = try tmpDir()
        try Self.writeFaces(count: 20, size: 32, to: data)
        let set = try LabelledImageSet(root: data, attributes: ["smile", "yaw"], size: 32)
        let o = options { $0.batch = 4; $0.checkpointEvery = 3; $0.size = 16; $0.widths = [8, 8] }

        Torch.manualSeed(5)
        let a = try ClassifierTrainer(data: set, options: o)
        a.quiet = true
        try a.train(untilStep: 7, outDirectory: dirA)

        Torch.manualSeed(5)
        let b1 = try ClassifierTrainer(data: set, options: o)
        b1.quiet = true
        try b1.train(untilStep: 4, outDirectory: dirB)   // checkpoints at 3 and 4
        // "kill" after step 5: what was not checkpointed is lost
        try b1.trainStep()
        Torch.manualSeed(999)
        let b2 = try ClassifierTrainer(data: set, options: o)
        b2.quiet = true
        XCTAssertTrue(try b2.resumeIfPossible(dirB))
        XCTAssertEqual(b2.step, 4)
        try b2.train(untilStep: 7, outDirectory: dirB)

        let reference = Dictionary(uniqueKeysWithValues: a.classifier.stateDict().map { ($0.name, $0.tensor) })
        for (name, t) in b2.classifier.stateDict() {
            XCTAssertEqual(t.to(.float64).doubles(), reference[name]!.to(.float64).doubles(), "\(name) differs after resume")
        }
        // the exported classifier and the report are there
        let loaded = try AttributeClassifier.load(dirB.appendingPathComponent(ClassifierTrainer.classifierName))
        XCTAssertEqual(loaded.config, a.classifier.config)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dirB.appendingPathComponent(ClassifierTrainer.metricsName).path))
    }

    func testResumeRejectsOtherDataOrArchitecture() throws {
        let data = try tmpDir(), out = try tmpDir()
        try Self.writeFaces(count: 12, size: 32, to: data)
        let set = try LabelledImageSet(root: data, attributes: ["smile", "yaw"], size: 16)
        let o = options { $0.batch = 4; $0.size = 16; $0.widths = [8] }
        let a = try ClassifierTrainer(data: set, options: o)
        a.quiet = true
        try a.train(untilStep: 1, outDirectory: out)
        let b = try ClassifierTrainer(data: set, options: options { $0.batch = 4; $0.size = 16; $0.widths = [8, 8] })
        XCTAssertThrowsError(try b.resumeIfPossible(out)) {
            XCTAssertTrue("\($0)".contains("checkpoint.safetensors"), "\($0)")
        }
    }

    func testLoadsADataSynthFolder() throws {
        let dir = try tmpDir()
        try SyntheticDataset.write(count: 6, to: dir, size: 32, seed: 2, quiet: true, threads: 2)
        let attributes = AttributeClassifierConfig.defaultAttributes
        let set = try LabelledImageSet(root: dir, attributes: attributes, size: 32)
        XCTAssertEqual(set.count, 6)
        XCTAssertEqual(set.pixels.shape, [6, 3, 32, 32])
        let expected = FaceSampler(seed: 2).attributes(3)
        let row = set.labels([3]).to(.float64).doubles()
        XCTAssertEqual(row[0], expected.smile, accuracy: 1e-6)
        XCTAssertEqual(row[4], expected.hairHue, accuracy: 1e-6)
        // the stored 8-bit pixels are the PNG's
        let png = try ImageTensors.read(dir.appendingPathComponent("000003.png"))
        XCTAssertLessThan((set.images([3]) - png).abs().max().item(), 1e-5)

        var o = ClassifierTrainingOptions()
        o.size = 32
        o.widths = [8]
        o.batch = 2
        let trainer = try ClassifierTrainer(data: set, options: o)
        XCTAssertEqual(trainer.classifier.config.circular, ["hair_hue"])
        XCTAssertEqual(trainer.classifier.config.binary, ["eyeglasses"])
        XCTAssertEqual(trainer.heldOutIndices, [5])
    }

    func testDataErrorsNameTheFileAndRow() throws {
        let dir = try tmpDir()
        XCTAssertThrowsError(try LabelledImageSet(root: dir, attributes: ["smile"], size: 16)) {
            XCTAssertTrue("\($0)".contains("labels.csv"), "\($0)")
        }
        try Data("file,smile\n000000.png,0.5\n".utf8).write(to: dir.appendingPathComponent("labels.csv"))
        XCTAssertThrowsError(try LabelledImageSet(root: dir, attributes: ["yaw"], size: 16)) {
            XCTAssertTrue("\($0)".contains("no column 'yaw'"), "\($0)")
        }
        XCTAssertThrowsError(try LabelledImageSet(root: dir, attributes: ["smile"], size: 16)) {
            XCTAssertTrue("\($0)".contains("000000.png"), "\($0)")
        }
        try Data("file,smile\n000000.png,big\n".utf8).write(to: dir.appendingPathComponent("labels.csv"))
        XCTAssertThrowsError(try LabelledImageSet(root: dir, attributes: ["smile"], size: 16)) {
            XCTAssertTrue("\($0)".contains("row 2"), "\($0)")
        }
    }
}
