import Foundation
import Pipelines
import TensorIO
import XCTest

/// `BundleJob` (`gradstyle bundle merge|rename|convert`) on small synthetic bundles: each output is read back with
/// the safetensors reader and compared, tensor by tensor and key by key, with what the inputs hold, written out
/// here by hand.
final class BundleJobTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func floats(_ n: Int, seed: Double, scale: Float = 1) -> [Float] {
        (0..<n).map { Float(sin(Double($0) * 1.7 + seed)) * scale }
    }

    func count(_ n: Int64) -> HostTensor {
        HostTensor(scalarType: .int64, shape: [], bytes: withUnsafeBytes(of: n.littleEndian) { Data($0) })
    }

    /// The inversion model every file below shares: encoder, generator, latent_avg, an int64 batch-norm counter.
    var shared: [(String, HostTensor)] {
        [("encoder.body.0.weight", HostTensor(float32: floats(6, seed: 1), shape: [2, 3])),
         ("encoder.body.0.num_batches_tracked", count(41)),
         ("decoder.conv1.bias", HostTensor(float32: floats(4, seed: 2, scale: 3), shape: [4])),
         ("latent_avg", HostTensor(float32: floats(8, seed: 3), shape: [2, 4]))]
    }

    let sharedMetadata = ["gradstyle.format": "inversion-model", "gradstyle.encoder": "{\"e\":1}",
                          "gradstyle.generator": "{\"g\":1}", "gradstyle.trained_steps": "3000"]

    /// A bundle with the `gradstyle` network.
    var bundleA: BundleContents {
        var t = StateDict(uniqueNamesWithTensors: shared)
        t["gradstyle.fuse.weight"] = HostTensor(float32: floats(4, seed: 4), shape: [2, 2])
        t["gradstyle.fuse.bias"] = HostTensor(float32: floats(2, seed: 5), shape: [2])
        return BundleContents(tensors: t, metadata: sharedMetadata.merging(
            ["gradstyle.config": "{\"gs\":1}", "gradstyle.gradstyle.trained_steps": "1000"]) { a, _ in a })
    }

    /// A `train gradstyle --single-stage` output trained beside A.
    var bundleB: BundleContents {
        var t = StateDict(uniqueNamesWithTensors: shared)
        t["single_stage.attn.weight"] = HostTensor(float32: floats(9, seed: 6), shape: [3, 3])
        return BundleContents(tensors: t, metadata: sharedMetadata.merging(
            ["single_stage.config": "{\"ss\":1}", "gradstyle.single_stage.trained_steps": "500"]) { a, _ in a })
    }

    /// A `train hfgi` model file on A's e4e.
    var hfgiFile: BundleContents {
        var t = StateDict(uniqueNamesWithTensors: shared)
        t["residue.conv.weight"] = HostTensor(float32: floats(5, seed: 7), shape: [5])
        t["residue.bn.num_batches_tracked"] = count(1000)
        t["grid_align.head.bias"] = HostTensor(float32: floats(3, seed: 8), shape: [3])
        return BundleContents(tensors: t, metadata: sharedMetadata.merging(
            ["hfgi.config": "{\"h\":1}", "hfgi.trained_steps": "1000",
             "hfgi.batch_norm_statistics": "re-estimated over 256 training images"]) { a, _ in a })
    }

    func save(_ contents: BundleContents, _ name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try SafeTensors.write(contents.tensors, metadata: contents.metadata, to: url)
        return url
    }

    func run(_ bundle: URL, _ operation: BundleJob.Operation, out: String, storage: WeightStorage? = nil) throws -> BundleJob.Summary {
        try BundleJob(bundle: bundle, operation: operation, output: dir.appendingPathComponent(out), storage: storage).run()
    }

    /// Asserts that `url` holds exactly `tensors` (dtype, shape, bytes) and `metadata`.
    func assertFile(_ url: URL, holds tensors: [(String, HostTensor)], metadata: [String: String],
                    file: StaticString = #filePath, line: UInt = #line) throws {
        let (read, readMetadata) = try SafeTensors.read(url)
        XCTAssertEqual(Set(read.names), Set(tensors.map(\.0)), file: file, line: line)
        for (name, tensor) in tensors { XCTAssertEqual(read[name], tensor, name, file: file, line: line) }
        XCTAssertEqual(readMetadata, metadata, file: file, line: line)
    }

    func assertFails(_ body: () throws -> Any, naming parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) {
            let message = "\($0)"
            XCTAssertFalse(message.contains("\n"), message, file: file, line: line)
            for p in parts { XCTAssertTrue(message.contains(p), "'\(message)' lacks '\(p)'", file: file, line: line) }
        }
    }

    // MARK: - merge

    func testMergeAddsTheNetworksTheBundleLacksWithAllTheirMetadata() throws {
        let (a, hfgi, b) = (try save(bundleA, "a.safetensors"), try save(hfgiFile, "hfgi.safetensors"), try save(bundleB, "b.safetensors"))
        let summary = try run(a, .merge(networksFrom: hfgi), out: "ab.safetensors")
        XCTAssertEqual(summary.networks, ["gradstyle", "hfgi"])
        XCTAssertEqual(summary.added, ["hfgi"])
        XCTAssertNil(summary.storage)
        let withHFGI = bundleA.tensors.map { ($0.name, $0.tensor) } + [
            ("residue.conv.weight", hfgiFile.tensors["residue.conv.weight"]!),
            ("residue.bn.num_batches_tracked", count(1000)),
            ("grid_align.head.bias", hfgiFile.tensors["grid_align.head.bias"]!)]
        var metadata = bundleA.metadata
        // every hfgi.* key comes along (the Python script dropped hfgi.batch_norm_statistics)
        metadata["hfgi.config"] = "{\"h\":1}"
        metadata["hfgi.trained_steps"] = "1000"
        metadata["hfgi.batch_norm_statistics"] = "re-estimated over 256 training images"
        try assertFile(summary.output, holds: withHFGI, metadata: metadata)
        XCTAssertEqual(summary.byteCount, try Data(contentsOf: summary.output).count)

        // In place: the output replaces the bundle it was read from, and nothing else is left in the folder.
        let inPlace = try run(summary.output, .merge(networksFrom: b), out: "ab.safetensors")
        XCTAssertEqual(inPlace.added, ["single_stage"])
        metadata["single_stage.config"] = "{\"ss\":1}"
        metadata["gradstyle.single_stage.trained_steps"] = "500"
        try assertFile(inPlace.output, holds: withHFGI + [("single_stage.attn.weight", bundleB.tensors["single_stage.attn.weight"]!)],
                       metadata: metadata)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["a.safetensors", "ab.safetensors", "b.safetensors", "hfgi.safetensors"])
    }

    func testMergeIsByteReproducibleAndIndependentOfWhereItWrites() throws {
        let (a, b) = (try save(bundleA, "a.safetensors"), try save(bundleB, "b.safetensors"))
        _ = try run(a, .merge(networksFrom: b), out: "one.safetensors")
        _ = try run(a, .merge(networksFrom: b), out: "two.safetensors")
        _ = try run(a, .merge(networksFrom: b), out: "a.safetensors")
        let one = try Data(contentsOf: dir.appendingPathComponent("one.safetensors"))
        XCTAssertEqual(one, try Data(contentsOf: dir.appendingPathComponent("two.safetensors")))
        XCTAssertEqual(one, try Data(contentsOf: a))
    }

    func testMergeRefusesAnotherInversionModel() throws {
        let a = try save(bundleA, "a.safetensors")
        var changed = bundleB
        changed.tensors["latent_avg"] = HostTensor(float32: floats(8, seed: 3).enumerated().map { $0 == 5 ? $1 + 1e-6 : $1 }, shape: [2, 4])
        var reshaped = bundleB
        reshaped.tensors["latent_avg"] = HostTensor(float32: floats(8, seed: 3), shape: [8])
        var missing = bundleB
        missing.tensors["decoder.conv1.bias"] = nil
        var counter = bundleB
        counter.tensors["encoder.body.0.num_batches_tracked"] = count(42)
        for (contents, detail) in [(changed, "'latent_avg' holds other values"), (reshaped, "'latent_avg' has shapes [2, 4] and [8]"),
                                   (missing, "'decoder.conv1.bias' is in only one"), (counter, "num_batches_tracked' holds other values")] {
            let b = try save(contents, "b.safetensors")
            assertFails({ try self.run(a, .merge(networksFrom: b), out: "out.safetensors") },
                        naming: ["\(b.path): its encoder/generator/latent_avg differ from \(a.path)'s", detail])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.safetensors").path))
    }

    func testMergeRefusesNothingToAddAndClashingTensors() throws {
        let a = try save(bundleA, "a.safetensors")
        assertFails({ try self.run(a, .merge(networksFrom: a), out: "out.safetensors") },
                    naming: ["\(a.path): no network that \(a.path) lacks (it has gradstyle)"])
        var clash = bundleA
        clash.tensors["residue.conv.weight"] = HostTensor(float32: [1], shape: [1])
        let c = try save(clash, "clash.safetensors")
        let hfgi = try save(hfgiFile, "hfgi.safetensors")
        assertFails({ try self.run(c, .merge(networksFrom: hfgi), out: "out.safetensors") },
                    naming: ["\(c.path): already holds tensor 'residue.conv.weight'", "'hfgi'"])
        let image = dir.appendingPathComponent("photo.png")
        try Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]).write(to: image)
        assertFails({ try self.run(a, .merge(networksFrom: image), out: "out.safetensors") },
                    naming: ["\(image.path): not a .safetensors file"])
        assertFails({ try self.run(a, .merge(networksFrom: self.dir.appendingPathComponent("none.safetensors")), out: "out.safetensors") },
                    naming: ["none.safetensors: no such file"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.safetensors").path))
    }

    /// A float16 bundle takes a network trained in float32 on it: the shared parts are compared at float16, and
    /// the merged network is stored at the bundle's recorded float16.
    func testMergeIntoAFloat16BundleComparesAtFloat16AndKeepsItsStorage() throws {
        let a16 = try run(try save(bundleA, "a.safetensors"), .convert, out: "a16.safetensors", storage: .float16).output
        let hfgi = try save(hfgiFile, "hfgi.safetensors")
        let merged = try run(a16, .merge(networksFrom: hfgi), out: "merged.safetensors")
        XCTAssertEqual(merged.storage, .float16)
        let (tensors, metadata) = try SafeTensors.read(merged.output)
        XCTAssertEqual(metadata["gradstyle.storage"], "float16")
        XCTAssertEqual(metadata["hfgi.batch_norm_statistics"], "re-estimated over 256 training images")
        XCTAssertEqual(tensors["residue.bn.num_batches_tracked"], count(1000))
        for name in ["residue.conv.weight", "grid_align.head.bias"] {
            let (stored, original) = (try XCTUnwrap(tensors[name]), hfgiFile.tensors[name]!.floats())
            XCTAssertEqual(stored.scalarType, .float16)
            for (s, o) in zip(stored.floats(), original) {
                XCTAssertLessThanOrEqual(abs(Double(s) - Double(o)), 0x1p-11 * abs(Double(o)) + 0x1p-25, name)
            }
        }
        // Equal at float16 is not "anything goes": a shared value off by more than float16's rounding is refused.
        var far = hfgiFile
        far.tensors["decoder.conv1.bias"] = HostTensor(float32: floats(4, seed: 2, scale: 3).map { $0 * 1.01 }, shape: [4])
        let farFile = try save(far, "far.safetensors")
        assertFails({ try self.run(a16, .merge(networksFrom: farFile), out: "out.safetensors") },
                    naming: ["'decoder.conv1.bias' holds other values, even at F16"])
    }

    // MARK: - rename

    func testRenameMovesTheNetworkAndItsMetadataOnly() throws {
        let a = try save(bundleA, "a.safetensors")
        let summary = try run(a, .rename(from: "gradstyle", to: "first_design"), out: "renamed.safetensors")
        XCTAssertEqual(summary.networks, ["first_design"])
        let expected = shared + [("first_design.fuse.weight", bundleA.tensors["gradstyle.fuse.weight"]!),
                                 ("first_design.fuse.bias", bundleA.tensors["gradstyle.fuse.bias"]!)]
        try assertFile(summary.output, holds: expected, metadata: sharedMetadata.merging(
            ["first_design.config": "{\"gs\":1}", "gradstyle.first_design.trained_steps": "1000"]) { a, _ in a })
        // and back: the original bytes
        let back = try run(summary.output, .rename(from: "first_design", to: "gradstyle"), out: "back.safetensors")
        XCTAssertEqual(try Data(contentsOf: back.output), try Data(contentsOf: a))
    }

    func testRenameRefusesWhatItCannotDo() throws {
        var both = bundleA
        both.tensors["single_stage.w"] = HostTensor(float32: [1], shape: [1])
        both.metadata["single_stage.config"] = "{}"
        both.tensors["residue.w"] = HostTensor(float32: [1], shape: [1])
        both.metadata["hfgi.config"] = "{}"
        let a = try save(both, "a.safetensors")
        let cases: [(String, String, String)] = [
            ("nothing", "x", "no network 'nothing' (no 'nothing.config' in the metadata; it has gradstyle, hfgi, single_stage)"),
            ("gradstyle", "single_stage", "already has a network 'single_stage'"),
            ("gradstyle", "two words", "cannot rename 'gradstyle': 'two words' is not a network name"),
            ("gradstyle", "encoder", "cannot rename 'gradstyle': 'encoder' is reserved"),
            ("hfgi", "other", "HFGI's networks keep their name"),
        ]
        for (old, new, message) in cases {
            assertFails({ try self.run(a, .rename(from: old, to: new), out: "out.safetensors") }, naming: ["\(a.path): \(message)"])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.safetensors").path))
    }

    // MARK: - convert

    func testConvertStoresFloatsAsFloat16AndKeepsIntegers() throws {
        var contents = bundleA
        // Exactly representable in float16: these must come back exact.
        contents.tensors["gradstyle.fuse.bias"] = HostTensor(float32: [0.5, -1024], shape: [2])
        let summary = try run(try save(contents, "a.safetensors"), .convert, out: "a16.safetensors", storage: .float16)
        XCTAssertEqual(summary.storage, .float16)
        let (tensors, metadata) = try SafeTensors.read(summary.output)
        XCTAssertEqual(metadata, contents.metadata.merging(["gradstyle.storage": "float16"]) { a, _ in a })
        XCTAssertEqual(Set(tensors.names), Set(contents.tensors.names))
        for (name, original) in contents.tensors {
            let stored = tensors[name]!
            guard original.scalarType == .float32 else { XCTAssertEqual(stored, original, name); continue }
            XCTAssertEqual(stored.scalarType, .float16, name)
            XCTAssertEqual(stored.shape, original.shape, name)
            for (s, o) in zip(stored.floats(), original.floats()) {
                XCTAssertLessThanOrEqual(abs(Double(s) - Double(o)), 0x1p-11 * abs(Double(o)) + 0x1p-25, name)
            }
        }
        XCTAssertEqual(tensors["gradstyle.fuse.bias"]!.floats(), [0.5, -1024])
        // half the float bytes: the file is smaller by 2 bytes per float element
        let floatElements = contents.tensors.filter { $0.tensor.scalarType == .float32 }.map(\.tensor.elementCount).reduce(0, +)
        let original = try Data(contentsOf: dir.appendingPathComponent("a.safetensors")).count
        XCTAssertLessThanOrEqual(summary.byteCount, original - 2 * floatElements + 64, "header grows by the storage key only")

        // back to float32: the float16 values exactly, recorded as float32
        let back = try run(summary.output, .convert, out: "a32.safetensors", storage: .float32)
        let (wide, wideMetadata) = try SafeTensors.read(back.output)
        XCTAssertEqual(wideMetadata["gradstyle.storage"], "float32")
        for (name, t) in tensors { XCTAssertEqual(wide[name]!.floats(), t.floats(), name) }
        XCTAssertEqual(wide["gradstyle.fuse.weight"]!.scalarType, .float32)
    }

    func testConvertRefusesValuesFloat16CannotHold() throws {
        var contents = bundleA
        contents.tensors["decoder.conv1.bias"] = HostTensor(float32: [1, 2, 70000, 4], shape: [4])
        let a = try save(contents, "a.safetensors")
        assertFails({ try self.run(a, .convert, out: "out.safetensors", storage: .float16) },
                    naming: ["\(a.path): tensor 'decoder.conv1.bias' holds 70000.0 at element 2, beyond float16's ±65504"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.safetensors").path))
        // a merge that would store such a value names the file it came from
        var hot = hfgiFile
        hot.tensors["residue.conv.weight"] = HostTensor(float32: [1, 2, 3, 4, -1e5], shape: [5])
        let h = try save(hot, "hot.safetensors")
        assertFails({ try self.run(try self.save(self.bundleA, "b.safetensors"), .merge(networksFrom: h), out: "out.safetensors", storage: .float16) },
                    naming: ["\(h.path): tensor 'residue.conv.weight' holds -100000.0 at element 4"])
    }
}
