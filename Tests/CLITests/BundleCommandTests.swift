import Foundation
import TensorIO
import XCTest

/// `gradstyle bundle merge|rename|convert` through the binary, on small synthetic bundles written in the test folder
/// and named relative to it: a merge in place, a float16 conversion read back, and the mistakes a user makes, each
/// one line naming the file or the flag, with the input left as it was.
final class BundleCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("bundle-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A bundle holding the shared inversion model (with `latent_avg` as given) and one network.
    func write(_ name: String, network: String, latentAverage: [Float] = [0.5, -2, 3.25, 1e-3], extra: Float = 0.1) throws {
        var tensors = StateDict()
        tensors["encoder.conv.weight"] = HostTensor(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        tensors["decoder.bias"] = HostTensor(float32: [0.25, -0.75], shape: [2])
        tensors["latent_avg"] = HostTensor(float32: latentAverage, shape: [1, 4])
        tensors["\(network).w"] = HostTensor(float32: [extra, 70000], shape: [2])
        let metadata = ["gradstyle.format": "inversion-model", "\(network).config": "{}", "gradstyle.\(network).trained_steps": "7"]
        try SafeTensors.write(tensors, metadata: metadata, to: dir.appendingPathComponent(name))
    }

    func run(_ arguments: [String]) throws -> BuiltBinary.Run { try BuiltBinary.run(["bundle"] + arguments, in: dir) }

    func bytes(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }

    func testMergeInPlaceAndRename() throws {
        try write("a.safetensors", network: "gradstyle")
        try write("b.safetensors", network: "single_stage")
        let merged = try run(["merge", "a.safetensors", "b.safetensors", "--out", "a.safetensors"])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertTrue(merged.stdout.hasPrefix("a.safetensors: networks gradstyle, single_stage (added); "), merged.stdout)
        let (tensors, metadata) = try SafeTensors.read(dir.appendingPathComponent("a.safetensors"))
        XCTAssertEqual(Set(tensors.names), ["encoder.conv.weight", "decoder.bias", "latent_avg", "gradstyle.w", "single_stage.w"])
        XCTAssertEqual(tensors["single_stage.w"], HostTensor(float32: [0.1, 70000], shape: [2]))
        XCTAssertEqual(metadata["gradstyle.single_stage.trained_steps"], "7")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["a.safetensors", "b.safetensors"])

        let renamed = try run(["rename", "a.safetensors", "--from", "single_stage", "--to", "one_shot", "--out", "c.safetensors"])
        XCTAssertEqual(renamed.status, 0, renamed.stderr)
        let (renamedTensors, renamedMetadata) = try SafeTensors.read(dir.appendingPathComponent("c.safetensors"))
        XCTAssertEqual(renamedTensors["one_shot.w"], tensors["single_stage.w"])
        XCTAssertNil(renamedTensors["single_stage.w"])
        XCTAssertEqual(renamedMetadata["one_shot.config"], "{}")
        XCTAssertEqual(renamedMetadata["gradstyle.one_shot.trained_steps"], "7")
    }

    func testConvertToFloat16() throws {
        try write("a.safetensors", network: "gradstyle", extra: 0.1)
        // 70000 does not fit float16: refused, naming the tensor, nothing written
        let refused = try run(["convert", "a.safetensors", "--storage", "float16", "--out", "half.safetensors"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "Error: a.safetensors: tensor 'gradstyle.w' holds 70000.0 at element 1, beyond float16's ±65504: cannot store it as float16\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("half.safetensors").path))

        var tensors = try SafeTensors.read(dir.appendingPathComponent("a.safetensors")).tensors
        tensors["gradstyle.w"] = HostTensor(float32: [0.1, 65504], shape: [2])
        try SafeTensors.write(tensors, metadata: ["gradstyle.config": "{}"], to: dir.appendingPathComponent("a.safetensors"))
        let converted = try run(["convert", "a.safetensors", "--storage", "float16", "--out", "half.safetensors"])
        XCTAssertEqual(converted.status, 0, converted.stderr)
        XCTAssertTrue(converted.stdout.contains("float16 storage"), converted.stdout)
        let (half, metadata) = try SafeTensors.read(dir.appendingPathComponent("half.safetensors"))
        XCTAssertEqual(metadata["gradstyle.storage"], "float16")
        // float16 bit patterns by hand: 0.1 → 0x2e66 (0.0999755859375, the nearer of 0x2e66 and 0x2e67), 65504 → 0x7bff
        XCTAssertEqual(half["gradstyle.w"], HostTensor(scalarType: .float16, shape: [2], bytes: Data([0x66, 0x2e, 0xff, 0x7b])))
        XCTAssertEqual(half["latent_avg"]?.floats(), [0.5, -2, 3.25, Float(halfBits: 0x1419)])
        // converting again gives the same bytes
        XCTAssertEqual(try run(["convert", "a.safetensors", "--storage", "float16", "--out", "again.safetensors"]).status, 0)
        XCTAssertEqual(try bytes("half.safetensors"), try bytes("again.safetensors"))
    }

    func testMistakesAreOneLineAndLeaveTheBundleAlone() throws {
        try write("a.safetensors", network: "gradstyle")
        try write("b.safetensors", network: "single_stage", latentAverage: [0.5, -2, 3.25, 2e-3])
        let before = try bytes("a.safetensors")
        let cases: [([String], Int32, String)] = [
            (["merge", "a.safetensors", "b.safetensors", "--out", "a.safetensors"], 1,
             "Error: b.safetensors: its encoder/generator/latent_avg differ from a.safetensors's (tensor 'latent_avg' holds other values)"),
            (["merge", "a.safetensors", "missing.safetensors", "--out", "a.safetensors"], 1, "Error: missing.safetensors: no such file"),
            (["rename", "a.safetensors", "--from", "nope", "--to", "x", "--out", "a.safetensors"], 1,
             "Error: a.safetensors: no network 'nope' (no 'nope.config' in the metadata; it has gradstyle)"),
            (["convert", "a.safetensors", "--storage", "half", "--out", "a.safetensors"], 64,
             "Error: invalid --storage 'half': expected float16 or float32"),
            (["convert", "a.safetensors", "--out", "a.safetensors"], 64, "Error: Missing expected argument '--storage <float16|float32>'"),
            (["convert", "a.safetensors", "--storage", "float32", "--out", "."], 1, "Error: .: is a directory, not a file"),
        ]
        for (arguments, status, line) in cases {
            let r = try run(arguments)
            XCTAssertEqual(r.status, status, "\(arguments): \(r.stderr)")
            XCTAssertEqual(r.stderr.trimmingCharacters(in: .newlines), line, "\(arguments)")
            XCTAssertEqual(r.stdout, "", "\(arguments)")
        }
        XCTAssertEqual(try bytes("a.safetensors"), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["a.safetensors", "b.safetensors"])
    }

    func testHelpExplainsEachSubcommand() throws {
        let root = try run(["--help"])
        XCTAssertEqual(root.status, 0, root.stderr)
        for sub in ["merge", "rename", "convert"] { XCTAssertTrue(root.stdout.contains("  \(sub) "), root.stdout) }
        let merge = try run(["merge", "--help"])
        XCTAssertTrue(merge.stdout.contains("USAGE: gradstyle bundle merge <bundle> <networks-from> --out <out> [--storage <float16|float32>]"), merge.stdout)
        XCTAssertTrue(merge.stdout.contains("train hfgi"), merge.stdout)
    }
}
