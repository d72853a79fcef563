import Foundation
import XCTest
@testable import TensorIO

/// `.pt` files written by PyTorch 1.13 (scripts/make_pt_fixtures.py), compared with the values PyTorch itself
/// wrote next to them.
final class TorchCheckpointTests: XCTestCase {
    private func expected(_ name: String) throws -> StateDict {
        try SafeTensorsFile(contentsOf: Fixtures.url("\(name).expected.safetensors")).stateDict()
    }

    private func assertSameTensors(_ actual: StateDict, _ expected: StateDict, file: StaticString = #filePath,
                                   line: UInt = #line) {
        XCTAssertEqual(actual.names.sorted(), expected.names.sorted(), file: file, line: line)
        for (name, tensor) in expected {
            XCTAssertEqual(actual[name], tensor, "tensor \(name)", file: file, line: line)
        }
    }

    func testModuleStateDict() throws {
        let checkpoint = try TorchCheckpoint(contentsOf: Fixtures.url("module_state.pt"))
        XCTAssertEqual(checkpoint.format, .zip)
        let state = try checkpoint.stateDict()
        assertSameTensors(state, try expected("module_state"))
        // The OrderedDict's order is kept.
        XCTAssertEqual(state.names, ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
                                     "bn.running_var", "bn.num_batches_tracked", "fc.weight", "fc.bias"])
        XCTAssertEqual(state["bn.num_batches_tracked"], HostTensor(int64: [1], shape: []))
        XCTAssertEqual(state["conv.weight"]?.shape, [3, 2, 3, 3])
    }

    func testPSPStyleCheckpoint() throws {
        let checkpoint = try TorchCheckpoint(contentsOf: Fixtures.url("psp_like.pt"))
        XCTAssertEqual(checkpoint.topLevelKeys, ["state_dict", "latent_avg", "opts"])
        let opts = try checkpoint.load(key: "opts")
        XCTAssertEqual(opts["exp_dir"], .string("experiments/ffhq"))
        XCTAssertEqual(opts["input_nc"]?.intValue, 3)
        XCTAssertEqual(opts["learning_rate"]?.doubleValue, 0.0001)
        XCTAssertEqual(opts["start_from_latent_avg"]?.boolValue, true)
        XCTAssertEqual(opts["checkpoint_path"], PickleValue.none)
        XCTAssertEqual(opts["device"], .string("cuda:0"))

        let all = try expected("psp_like")
        assertSameTensors(try checkpoint.stateDict(key: "state_dict"), all.selecting(prefix: "state_dict."))
        XCTAssertEqual(try checkpoint.load(key: "latent_avg").tensorValue, all["latent_avg"])
        assertSameTensors(try checkpoint.stateDict(), all)
    }

    func testE4EStyleCheckpointWithNamespaceAndNumpyValues() throws {
        let checkpoint = try TorchCheckpoint(contentsOf: Fixtures.url("e4e_like.pt"))
        let opts = try checkpoint.load(key: "opts")
        XCTAssertEqual(opts.keys?.sorted(), ["checkpoint_path", "encoder_type", "exp_dir", "progressive_steps",
                                             "stylegan_size", "use_w_pool", "w_discriminator_lambda"])
        XCTAssertEqual(opts["encoder_type"], .string("Encoder4Editing"))
        XCTAssertEqual(opts["progressive_steps"], .list([.int(0), .int(2000), .int(4000)]))
        XCTAssertEqual(opts["w_discriminator_lambda"]?.doubleValue, 0.1)
        XCTAssertEqual(try checkpoint.load(key: "best_val_loss"), .float(0.25))
        XCTAssertEqual(try checkpoint.load(key: "global_step"), .int(7000))
        let w = try checkpoint.load(key: "w_mean_np").tensorValue
        XCTAssertEqual(w?.floats(), [0, 0.125, 0.25, 0.375])
        assertSameTensors(try checkpoint.stateDict(), try expected("e4e_like"))
    }

    func testRosinalityStyleCheckpoint() throws {
        let checkpoint = try TorchCheckpoint(contentsOf: Fixtures.url("rosinality_like.pt"))
        XCTAssertEqual(checkpoint.topLevelKeys, ["g", "d", "g_ema", "g_optim", "args", "ada_aug_p", "latent_avg"])
        let all = try expected("rosinality_like")
        let gEma = try checkpoint.stateDict(key: "g_ema")
        XCTAssertEqual(gEma.names, ["style.1.weight", "style.1.bias", "conv1.conv.weight",
                                    "conv1.conv.modulation.weight", "conv1.conv.modulation.bias", "noises.noise_0"])
        assertSameTensors(gEma, all.selecting(prefix: "g_ema."))
        assertSameTensors(try checkpoint.stateDict(), all)

        let optim = try checkpoint.load(key: "g_optim")
        let group = optim["param_groups"]?[0]
        XCTAssertEqual(group?["betas"], .tuple([.int(0), .float(0.99)]))
        XCTAssertEqual(group?["params"], .list((0..<5).map { .int($0) }))
        XCTAssertNotNil(optim["state"]?.entries?.first { $0.key == .int(0) })
        XCTAssertEqual(try checkpoint.load(key: "args")["size"], .int(256))
        XCTAssertEqual(try checkpoint.load(key: "ada_aug_p"), .float(0))
        assertTensorIOError("no top-level key 'G_ema' (keys: g, d, g_ema") { try checkpoint.load(key: "G_ema") }
    }

    private func checkViews(_ name: String, format: TorchCheckpoint.Format) throws {
        let checkpoint = try TorchCheckpoint(contentsOf: Fixtures.url("\(name).pt"))
        XCTAssertEqual(checkpoint.format, format)
        let state = try checkpoint.stateDict()
        assertSameTensors(state, try expected(name == "views_deflated" ? "views" : name))
        XCTAssertEqual(state["transposed_slice"]?.floats(), [8, 14, 20, 9, 15, 21, 10, 16, 22])
        XCTAssertEqual(state["expanded"]?.floats(), [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3])
        XCTAssertEqual(state["shared.1"]?.floats(), [18, 19, 20, 21, 22, 23])
        XCTAssertEqual(state["step_slice"], HostTensor(int64: [1, 4, 7], shape: [3]))
        XCTAssertEqual(state["i64"], HostTensor(int64: [-3, 0, 1 << 40], shape: [3]))
        XCTAssertEqual(state["scalar"]?.shape, [])
        XCTAssertEqual(state["empty"]?.shape, [0, 3])
        XCTAssertEqual(state["bf16"]?.scalarType, .bfloat16)
        XCTAssertEqual(state["param"]?.floats(), [1, 1])

        let value = try checkpoint.load()
        XCTAssertEqual(value["size"], .tuple([.int(2), .int(3)]))
        XCTAssertEqual(value["device"], .string("cpu"))
        XCTAssertEqual(value["dtype"], .object(name: "torch.float16", state: .none))
        let plain = value["plain"]
        XCTAssertEqual(plain?["tuple"], .tuple([.int(1), .float(2.5), .string("x"), .none, .bool(true)]))
        XCTAssertEqual(plain?["bytes"], .bytes(Data([0, 1, 0xFF])))
        XCTAssertEqual(plain?["set"], .list([.int(3)]))
        XCTAssertEqual(plain?["slice"], .object(name: "builtins.slice", state: .tuple([.int(1), .int(5), .int(2)])))
        XCTAssertEqual(plain?["big"], .int(1 << 40))
        XCTAssertEqual(plain?["neg"], .int(-5))
        XCTAssertEqual(plain?["unicode"], .string("λ-ß"))
    }

    func testViewsDtypesAndPlainValues() throws { try checkViews("views", format: .zip) }
    func testLegacyFormat() throws { try checkViews("views_legacy", format: .legacy) }
    func testDeflatedArchive() throws { try checkViews("views_deflated", format: .zip) }

    // MARK: Hand-built archives

    /// `{'a': tensor(storage '0'), 'b': tensor(storage '1')}` with 4 floats each.
    private func twoTensorPickle(sizeB: [Int32] = [4], strideB: [Int32] = [1], offsetB: Int32 = 0) -> Data {
        var p = PickleWriter()
        p.op("}")
        p.mark()
        p.string("a")
        p.tensor(storageKey: "0", numel: 4, offset: 0, size: [2, 2], stride: [2, 1])
        p.string("b")
        p.tensor(storageKey: "1", numel: 4, offset: offsetB, size: sizeB, stride: strideB)
        p.op("u")
        p.stop()
        return p.data
    }

    func testOnlyTheSelectedKeysStoragesAreRead() throws {
        var zip = TestZip()
        zip.add("archive/data.pkl", twoTensorPickle())
        zip.add("archive/data/0", floatBytes([1, 2, 3, 4]))
        zip.add("archive/data/1", floatBytes([5, 6, 7, 8]), crc: 0xDEAD_BEEF)  // corrupt
        let checkpoint = try TorchCheckpoint(data: zip.build(), path: "two.pt")
        XCTAssertEqual(try checkpoint.load(key: "a").tensorValue, HostTensor(float32: [1, 2, 3, 4], shape: [2, 2]))
        assertTensorIOError("two.pt: zip entry 'archive/data/1': checksum mismatch") { try checkpoint.load(key: "b") }
        assertTensorIOError("checksum mismatch") { try checkpoint.load() }
        let unverified = try TorchCheckpoint(data: zip.build(), path: "two.pt", verifyChecksums: false)
        XCTAssertEqual(try unverified.load(key: "b").tensorValue?.floats(), [5, 6, 7, 8])
    }

    func testAnyFolderNameAndZip64() throws {
        for zip64 in [false, true] {
            let data = makeCheckpoint(pickle: twoTensorPickle(), storages: [("0", floatBytes([1, 2, 3, 4])),
                                                                            ("1", floatBytes([5, 6, 7, 8]))],
                                      folder: "my_model", zip64: zip64)
            let state = try TorchCheckpoint(data: data).stateDict()
            XCTAssertEqual(state.names, ["a", "b"])
            XCTAssertEqual(state["b"]?.floats(), [5, 6, 7, 8])
        }
    }

    func testBigEndianByteOrderRecord() throws {
        var zip = TestZip()
        zip.add("archive/data.pkl", twoTensorPickle())
        zip.add("archive/byteorder", Data("big".utf8))
        let bigEndian = { (values: [Float]) in Data(values.flatMap { withUnsafeBytes(of: $0.bitPattern.bigEndian) { Array($0) } }) }
        zip.add("archive/data/0", bigEndian([1, 2, 3, 4]))
        zip.add("archive/data/1", bigEndian([5, 6, 7, 8]))
        XCTAssertEqual(try TorchCheckpoint(data: zip.build()).stateDict()["b"]?.floats(), [5, 6, 7, 8])

        var odd = TestZip()
        odd.add("archive/data.pkl", twoTensorPickle())
        odd.add("archive/byteorder", Data("middle".utf8))
        assertTensorIOError("unknown byte order") { try TorchCheckpoint(data: odd.build()) }
    }

    func testTensorExtentsAreBoundedByTheStorage() {
        func open(size: [Int32], stride: [Int32], offset: Int32 = 0) throws -> PickleValue {
            let data = makeCheckpoint(pickle: twoTensorPickle(sizeB: size, strideB: stride, offsetB: offset),
                                      storages: [("0", floatBytes([1, 2, 3, 4])), ("1", floatBytes([5, 6, 7, 8]))])
            return try TorchCheckpoint(data: data, path: "v.pt").load(key: "b")
        }
        XCTAssertEqual(try open(size: [2], stride: [2], offset: 1).tensorValue?.floats(), [6, 8])
        XCTAssertEqual(try open(size: [2, 2], stride: [1, 2]).tensorValue?.floats(), [5, 7, 6, 8])
        XCTAssertEqual(try open(size: [0], stride: [1], offset: 100).tensorValue?.shape, [0])
        assertTensorIOError("v.pt: tensor 'b' (storage '1'): view offset 1, size [2], stride [3] reaches element 4") {
            try open(size: [2], stride: [3], offset: 1)
        }
        assertTensorIOError("reaches element 4") { try open(size: [5], stride: [1]) }
        assertTensorIOError("reaches element 4") { try open(size: [1], stride: [1], offset: 4) }
        assertTensorIOError("too large") { try open(size: [.max, .max, 4], stride: [0, 0, 0]) }
        assertTensorIOError("beyond the limit") { try open(size: [100_000, 100_000], stride: [0, 0]) }
        assertTensorIOError("negative size or stride") { try open(size: [2], stride: [-1], offset: 3) }
        assertTensorIOError("negative storage offset") { try open(size: [1], stride: [1], offset: -1) }
    }

    func testMissingStorageEntry() {
        let data = makeCheckpoint(pickle: twoTensorPickle(), storages: [("0", floatBytes([1, 2, 3, 4]))])
        assertTensorIOError("m.pt: storage '1' (archive/data/1) is missing from the archive") {
            try TorchCheckpoint(data: data, path: "m.pt")
        }
    }

    func testNotACheckpoint() throws {
        assertTensorIOError("x.pt: not a PyTorch checkpoint") { try TorchCheckpoint(data: Data("hello".utf8), path: "x.pt") }
        assertTensorIOError("not a PyTorch checkpoint") { try TorchCheckpoint(data: Data()) }
        assertTensorIOError("not a PyTorch checkpoint") { try TorchCheckpoint(data: try Fixtures.data("npy_f32.npy")) }
        var noPickle = TestZip()
        noPickle.add("archive/data/0", floatBytes([1]))
        assertTensorIOError("no <folder>/data.pkl") { try TorchCheckpoint(data: noPickle.build()) }
        var script = TestZip()
        script.add("model/data.pkl", Data([0x80, 0x02, 0x4E, 0x2E]))
        script.add("model/constants.pkl", Data([0x80, 0x02, 0x4E, 0x2E]))
        script.add("model/code/__torch__.py", Data("x".utf8))
        assertTensorIOError("TorchScript archive") { try TorchCheckpoint(data: script.build()) }
        var two = TestZip()
        two.add("a/data.pkl", Data([0x80, 0x02, 0x4E, 0x2E]))
        two.add("b/data.pkl", Data([0x80, 0x02, 0x4E, 0x2E]))
        assertTensorIOError("several data.pkl") { try TorchCheckpoint(data: two.build()) }
        assertTensorIOError("cannot read file") {
            try TorchCheckpoint(contentsOf: URL(fileURLWithPath: "/nonexistent/model.pt"))
        }
        // Truncated archives: the end record is gone.
        let full = try Fixtures.data("module_state.pt")
        assertTensorIOError("no end-of-central-directory record") { try TorchCheckpoint(data: full.prefix(full.count - 30)) }
        assertTensorIOError("zip archive") { try TorchCheckpoint(data: full.prefix(100)) }
    }

    func testHostileZip64Values() {
        for forged: (UInt64, UInt64, UInt64) in [(.max, .max, .max), (1 << 63, 1 << 63, 0), (4, 4, 1 << 62),
                                                 (1 << 40, 1 << 40, 0)] {
            var zip = TestZip()
            zip.zip64 = true
            zip.forgedZip64Values = forged
            zip.add("archive/data.pkl", Data([0x80, 0x02, 0x4E, 0x2E]))
            assertTensorIOError("zip archive: entry 'archive/data.pkl'") { try TorchCheckpoint(data: zip.build()) }
        }
    }

    func testEmptyPickleValueAndNonDictRoot() throws {
        var p = PickleWriter()
        p.mark(); p.int(1); p.int(2); p.op("l"); p.stop()
        let checkpoint = try TorchCheckpoint(data: makeCheckpoint(pickle: p.data))
        XCTAssertEqual(try checkpoint.load(), .list([.int(1), .int(2)]))
        XCTAssertEqual(checkpoint.topLevelKeys, [])
        assertTensorIOError("checkpoint is a list, not a dict") { try checkpoint.load(key: "g_ema") }
        XCTAssertEqual(try checkpoint.stateDict().count, 0)
    }

    func testMemoryBudgetBoundsCopiesButNotSharedViews() throws {
        // A list of views of one 1000-float storage: `distinct` different offset views, then 100 references to
        // one view.
        func checkpoint(distinct: Int) throws -> TorchCheckpoint {
            var p = PickleWriter()
            p.op("]")
            p.mark()
            for i in 0..<distinct {
                p.tensor(storageKey: "0", numel: 1000, offset: Int32(1 + i), size: [990], stride: [1])
            }
            p.tensor(storageKey: "0", numel: 1000, offset: 0, size: [10], stride: [1])
            p.op("q"); p.raw([0])
            for _ in 0..<100 { p.op("h"); p.raw([0]) }
            p.op("e")
            p.stop()
            let data = makeCheckpoint(pickle: p.data, storages: [("0", floatBytes((0..<1000).map(Float.init)))])
            let checkpoint = try TorchCheckpoint(data: data, path: "budget.pt")
            checkpoint.memoryBudget = 20_000  // the storage (4000 bytes) plus a few 3960-byte copies
            return checkpoint
        }
        let fine = try checkpoint(distinct: 3).load()
        XCTAssertEqual(fine.items?.count, 104)
        XCTAssertEqual(fine[2]?.tensorValue?.floats().first, 3)
        XCTAssertEqual(fine[103]?.tensorValue?.floats(), (0..<10).map(Float.init))
        assertTensorIOError("budget.pt: reading needs more than 20000 bytes") { try checkpoint(distinct: 10).load() }
    }

    // MARK: Hand-built legacy streams

    private func legacyPickle(view: (key: String, offset: Int32, size: Int32)?) -> Data {
        var p = PickleWriter()
        p.op("}")
        p.string("w")
        p.tensor(storageKey: "7", numel: 4, offset: 0, size: [2], stride: [1], legacyView: .some(view))
        p.op("s")
        p.stop()
        return p.data
    }

    func testLegacyStorageViews() throws {
        let storage = floatBytes([1, 2, 3, 4])
        let plain = makeLegacyCheckpoint(pickle: legacyPickle(view: nil), keys: ["7"], storages: [(4, storage)])
        XCTAssertEqual(try TorchCheckpoint(data: plain).stateDict()["w"]?.floats(), [1, 2])
        let view = makeLegacyCheckpoint(pickle: legacyPickle(view: ("9", 2, 2)), keys: ["7"], storages: [(4, storage)])
        XCTAssertEqual(try TorchCheckpoint(data: view).stateDict()["w"]?.floats(), [3, 4])
        let outside = makeLegacyCheckpoint(pickle: legacyPickle(view: ("9", 3, 2)), keys: ["7"], storages: [(4, storage)])
        assertTensorIOError("reaches element 4") { try TorchCheckpoint(data: outside).load() }
    }

    func testMalformedLegacyStreams() {
        let storage = floatBytes([1, 2, 3, 4])
        assertTensorIOError("claims 5 elements") {
            try TorchCheckpoint(data: makeLegacyCheckpoint(pickle: legacyPickle(view: nil), keys: ["7"], storages: [(5, storage)]))
        }
        assertTensorIOError("claims -1 elements") {
            try TorchCheckpoint(data: makeLegacyCheckpoint(pickle: legacyPickle(view: nil), keys: ["7"], storages: [(-1, storage)]))
        }
        assertTensorIOError("storage '8' is listed but never used") {
            try TorchCheckpoint(data: makeLegacyCheckpoint(pickle: legacyPickle(view: nil), keys: ["7", "8"],
                                                           storages: [(4, storage), (0, Data())]))
        }
        assertTensorIOError("storage '7' is referenced but not stored") {
            try TorchCheckpoint(data: makeLegacyCheckpoint(pickle: legacyPickle(view: nil), keys: [], storages: []))
        }
        var module = PickleWriter()
        module.mark(); module.string("module"); module.op("N"); module.op("N"); module.op("N"); module.op("t")
        module.op("Q"); module.stop()
        assertTensorIOError("whole nn.Module") {
            try TorchCheckpoint(data: makeLegacyCheckpoint(pickle: module.data, keys: [], storages: []))
        }
        let full = makeLegacyCheckpoint(pickle: legacyPickle(view: nil), keys: ["7"], storages: [(4, storage)])
        assertTensorIOError("pickle") { try TorchCheckpoint(data: full.prefix(40)) }
        assertTensorIOError("more than the file holds") { try TorchCheckpoint(data: full.prefix(full.count - 1)) }
    }
}
