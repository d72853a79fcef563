import Dispatch
import Foundation
import ImageIO
import Models
@testable import Pipelines
import Torch
import XCTest

final class ClassifierScratchTests: XCTestCase {
    func write(count: Int, size: Int, to dir: URL, fixedDetails: Bool) throws {
        let sampler = FaceSampler(seed: 3), renderer = FaceRenderer()
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let drawn = sampler.attributes(i)
            let a = FaceAttributes(smile: drawn.smile, yaw: drawn.yaw)
            try! ImageFile.write(renderer.render(attributes: a, details: sampler.details(fixedDetails ? i % Int(ProcessInfo.processInfo.environment["IDS"] ?? "4")! : i), size: size),
                                to: dir.appendingPathComponent(SyntheticDataset.fileName(index: i)))
        }
        var csv = "file,smile,yaw\n"
        for i in 0..<count { let a = sampler.attributes(i); csv += "\(SyntheticDataset.fileName(index: i)),\(a.smile),\(a.yaw)\n" }
        try Data(csv.utf8).write(to: dir.appendingPathComponent("labels.csv"))
    }

    func testSweep() throws {
        let env = ProcessInfo.processInfo.environment
        let count = Int(env["N"] ?? "128")!, render = Int(env["R"] ?? "32")!, size = Int(env["S"] ?? "32")!
        let steps = Int(env["STEPS"] ?? "300")!, fixed = env["FIXED"] == "1"
        let lr = Double(env["LR"] ?? "3e-3")!
        let widths = (env["W"] ?? "16,32,64").split(separator: ",").map { Int($0)! }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let t0 = Date()
        try write(count: count, size: render, to: dir, fixedDetails: fixed)
        let t1 = Date()
        let data = try LabelledImageSet(root: dir, attributes: ["smile", "yaw"], size: size)
        var o = ClassifierTrainingOptions()
        o.attributes = ["smile", "yaw"]; o.size = size; o.widths = widths; o.batch = 16; o.learningRate = lr
        o.validationFraction = 0.25
        Torch.manualSeed(UInt64(env["SEED"] ?? "1")!)
        let trainer = try ClassifierTrainer(data: data, options: o)
        for s in 1...steps { trainer.trainStep(); if s % 100 == 0 { print("SWEEP step \(s) \(trainer.evaluate()!.summary)") } }
        print("SWEEP render \(t1.timeIntervalSince(t0)) train \(Date().timeIntervalSince(t1))")
    }
}
