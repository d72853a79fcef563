import Foundation
import Models
@testable import Pipelines
import TensorIO
import Torch
import XCTest

final class EditingTests: XCTestCase {
    func testEditRequestParsing() throws {
        XCTAssertEqual(try EditRequest.parse("smile:1.5"), EditRequest(name: "smile", strengths: [1.5], isSweep: false))
        XCTAssertEqual(try EditRequest.parse("ganspace:46:4:5:-20").name, "ganspace:46:4:5")
        XCTAssertEqual(try EditRequest.parseSweep("age:-3:3:7").strengths, [-3, -2, -1, 0, 1, 2, 3])
        XCTAssertThrowsError(try EditRequest.parse("smile"))
        XCTAssertThrowsError(try EditRequest.parse(":2"))
        XCTAssertThrowsError(try EditRequest.parseSweep("age:-3:3:1"))
        XCTAssertThrowsError(try EditRequest.parse("smile:nan"))
    }

    func testInterFaceGANEditIsWPlusStrengthTimesNormal() {
        let n = Tensor([1, 0, -1, 2] as [Float])
        let w = Tensor.randn([2, 3, 4])
        let edited = LatentEdit(name: "x", direction: .linear(n)).apply(w, strength: 1.5)
        let expected = zip(w.floats(), (0..<24).map { [1, 0, -1, 2][$0 % 4] * Float(1.5) }).map { $0 + $1 }
        XCTAssertEqual(edited.floats().count, 24)
        for (a, b) in zip(edited.floats(), expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testGANSpaceEditMovesTheCoordinateToTheStrengthOnItsLayers() {
        // Direct check of the e4e/HFGI formula: after the edit, the edited layers' coordinate along comp[i]
        // (centered, in std units) equals the strength; other layers are untouched.
        let d = 4
        let comp = Tensor([1, 0, 0, 0, 0, 0.6, 0.8, 0] as [Float], shape: [2, d])
        let mean = Tensor([0.5, 0.5, 0.5, 0.5] as [Float]), std = Tensor([2, 3] as [Float])
        let w = Tensor.randn([1, 5, d]).repeat([1, 1, 1])
        let edit = LatentEdit(name: "g", direction: .ganspace(components: comp, mean: mean, std: std, index: 1, start: 1, end: 3))
        let out = edit.apply(w, strength: 2)
        for layer in 0..<5 {
            let row = out.select(dim: 1, index: layer).reshape([d])
            let original = w.select(dim: 1, index: layer).reshape([d])
            if layer == 1 || layer == 2 {
                let coordinate = ((row - mean) * comp[1]).sum().item() / 3
                // moved by (s − c₀)·comp·σ where c₀ is measured on layer 0 of the code, as the reference does
                let c0 = ((w.select(dim: 1, index: 0).reshape([d]) - mean) * comp[1]).sum().item() / 3
                let cOriginal = ((original - mean) * comp[1]).sum().item() / 3
                XCTAssertEqual(coordinate, cOriginal + (2 - c0), accuracy: 1e-5)
            } else {
                XCTAssertEqual(row.floats(), original.floats())
            }
        }
    }

    func testDirectionLibraryLoadsFilesAndRejectsBadShapes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dirs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try NPY.write(HostTensor(float32: [1, 2, 3, 4], shape: [1, 4]), to: dir.appendingPathComponent("smile.npy"))
        try Data(#"{"scale": "one unit = one grin"}"#.utf8).write(to: dir.appendingPathComponent("smile.json"))
        let lib = try DirectionLibrary(folder: dir, styleDim: 4)
        XCTAssertEqual(lib.names, ["smile"])
        XCTAssertEqual(try lib.edit(named: "smile").scaleNote, "one unit = one grin")
        XCTAssertThrowsError(try lib.edit(named: "age")) { XCTAssertTrue("\($0)".contains("available: smile"), "\($0)") }
        try NPY.write(HostTensor(float32: [1, 2, 3], shape: [3]), to: dir.appendingPathComponent("bad.npy"))
        XCTAssertThrowsError(try DirectionLibrary(folder: dir, styleDim: 4)) { XCTAssertTrue("\($0)".contains("bad.npy"), "\($0)") }
    }

    func testDirectionFittingRecoversASeparatingNormal() throws {
        // Codes whose label is the sign of w·n* (+ noise): the fitted normal must align with n*.
        Torch.manualSeed(2)
        let d = 6, n = 400
        let truth = Tensor([0.5, -0.5, 0.5, 0.5, 0, 0] as [Float])
        let w = Tensor.randn([n, d])
        let score = w.matmul(truth).floats()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try NPY.write(w.hostTensor(), to: dir.appendingPathComponent("w.npy"))
        var csv = "file,smile,other\n"
        for (i, s) in score.enumerated() { csv += "\(i).png,\(s > 0 ? 1 : 0),\(i % 2)\n" }
        try Data(csv.utf8).write(to: dir.appendingPathComponent("labels.csv"))
        for method in DirectionFitting.Method.allCases {
            var fit = DirectionFitting(latents: dir.appendingPathComponent("w.npy"), labels: dir.appendingPathComponent("labels.csv"), attribute: "smile")
            fit.method = method
            let r = try fit.run()
            XCTAssertEqual(r.normal.norm().item(), 1, accuracy: 1e-5)
            XCTAssertGreaterThan((r.normal * truth).sum().item(), 0.97, "\(method)")
            XCTAssertGreaterThan(r.validationAccuracy, 0.93)
        }
        // conditional: the projected normal is orthogonal to the condition
        let c = Tensor([1, 0, 0, 0, 0, 0] as [Float])
        try NPY.write(c.reshape([1, 6]).hostTensor(), to: dir.appendingPathComponent("cond.npy"))
        var fit = DirectionFitting(latents: dir.appendingPathComponent("w.npy"), labels: dir.appendingPathComponent("labels.csv"), attribute: "smile")
        fit.conditions = [dir.appendingPathComponent("cond.npy")]
        XCTAssertEqual((try fit.run().normal * c).sum().item(), 0, accuracy: 1e-6)
        var missing = fit
        missing.attribute = "age"
        XCTAssertThrowsError(try missing.run()) { XCTAssertTrue("\($0)".contains("no column 'age'"), "\($0)") }
    }

    func testRandomWarpIdentityAndKnownShift() {
        let x = Tensor.randn([2, 3, 8, 8])
        XCTAssertLessThan(Float((RandomWarp.identity(count: 2).apply(x) - x).abs().max().item()), 1e-5)
        // sampling from x + 2/W (one pixel to the right in normalised units) shifts the image left by one pixel
        let shift = RandomWarp(matrices: Tensor([1, 0, 0.25, 0, 1, 0, 0, 0, 1] as [Double], shape: [1, 3, 3]))
        let y = shift.apply(x.narrow(dim: 0, start: 0, length: 1))
        let inner = y.narrow(dim: 3, start: 0, length: 7), source = x.narrow(dim: 0, start: 0, length: 1).narrow(dim: 3, start: 1, length: 7)
        XCTAssertLessThan(Float((inner - source).abs().max().item()), 1e-5)
        // random warps are reproducible under the seed and the homography maps corners as asked
        Torch.manualSeed(4)
        let a = RandomWarp.random(count: 3, strength: 0.15).matrices.doubles()
        Torch.manualSeed(4)
        XCTAssertEqual(RandomWarp.random(count: 3, strength: 0.15).matrices.doubles(), a)
        let src = [(-1.0, -1.0), (1, -1), (1, 1), (-1, 1)], dst = [(-0.9, -1.05), (1.1, -0.95), (0.95, 1.0), (-1.0, 0.9)]
        let h = RandomWarp.homography(from: src, to: dst)
        for (s, t) in zip(src, dst) {
            let u = h[0] * s.0 + h[1] * s.1 + h[2], v = h[3] * s.0 + h[4] * s.1 + h[5], z = h[6] * s.0 + h[7] * s.1 + h[8]
            XCTAssertEqual(u / z, t.0, accuracy: 1e-12)
            XCTAssertEqual(v / z, t.1, accuracy: 1e-12)
        }
    }
}
