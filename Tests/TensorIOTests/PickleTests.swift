import Foundation
import XCTest
@testable import TensorIO

/// The pickle interpreter on hand-written pickles: hostile globals, malformed streams, resource bombs.
final class PickleTests: XCTestCase {
    private func load(_ pickle: Data, path: String = "model.pt") throws -> PickleValue {
        try TorchCheckpoint(data: makeCheckpoint(pickle: pickle), path: path).load()
    }

    private func pickle(_ build: (inout PickleWriter) -> Void) -> Data {
        var p = PickleWriter()
        build(&p)
        return p.data
    }

    func testHostileGlobalsAreRejectedByName() {
        for (module, name) in [("os", "system"), ("builtins", "eval"), ("subprocess", "Popen"), ("posix", "system"),
                               ("__builtin__", "exec"), ("torch", "load"), ("numpy", "load"),
                               ("torch.storage", "_load_from_bytes"), ("copyreg", "_reconstructor")] {
            // The classic payload: GLOBAL, (argument,), REDUCE.
            let data = pickle { p in
                p.global(module, name)
                p.string("echo pwned")
                p.op(0x85)
                p.op("R")
                p.stop()
            }
            let shown = module == "__builtin__" ? "builtins" : module
            assertTensorIOError("model.pt: pickle global '\(shown == "builtins" && module == "__builtin__" ? "__builtin__" : shown).\(name)' is not allowed") {
                try load(data)
            }
        }
        // The same via STACK_GLOBAL (protocol 4).
        let stackGlobal = pickle { p in
            p.string("os"); p.string("system"); p.op(0x93)
            p.string("true"); p.op(0x85); p.op("R"); p.stop()
        }
        assertTensorIOError("model.pt: pickle global 'os.system' is not allowed") { try load(stackGlobal) }
    }

    func testProtocol4And5Opcodes() throws {
        // FRAME, SHORT_BINUNICODE, MEMOIZE, BINUNICODE8, BINBYTES8, EMPTY_SET + ADDITEMS, FROZENSET, LONG4,
        // NEWOBJ, BININT2, TUPLE2/3, DICT, LIST, POP, DUP, POP_MARK, LONG_BINPUT/LONG_BINGET, BINFLOAT.
        let data = pickle { p in
            p.raw([0x95, 0, 0, 0, 0, 0, 0, 0, 0])  // FRAME (length is only a hint)
            p.op("}"); p.op(0x94)  // EMPTY_DICT, MEMOIZE -> 0
            p.mark()
            p.op(0x8C); p.raw([1]); p.raw(Array("s".utf8)); p.op(0x94)  // SHORT_BINUNICODE "s"
            p.op(0x8F); p.mark(); p.op("K"); p.raw([7]); p.op(0x90)  // EMPTY_SET, ADDITEMS {7}
            p.op(0x8D); p.raw([1, 0, 0, 0, 0, 0, 0, 0]); p.raw(Array("u".utf8))  // BINUNICODE8 "u"
            p.op(0x8E); p.raw([2, 0, 0, 0, 0, 0, 0, 0]); p.raw([9, 8])  // BINBYTES8
            p.op(0x8C); p.raw([1]); p.raw(Array("f".utf8))
            p.mark(); p.op("M"); p.raw([0x34, 0x12]); p.op(0x91)  // FROZENSET {0x1234}
            p.op(0x8C); p.raw([1]); p.raw(Array("l".utf8))
            p.op(0x8B); p.raw([2, 0, 0, 0]); p.raw([0x00, 0x80])  // LONG4 -32768
            p.op(0x8C); p.raw([1]); p.raw(Array("t".utf8))
            p.op(0x88); p.op(0x89); p.op(0x86)  // (True, False)
            p.op(0x8C); p.raw([1]); p.raw(Array("d".utf8))
            p.mark(); p.int(1); p.int(2); p.op("d")  // {1: 2}
            p.op(0x8C); p.raw([1]); p.raw(Array("g".utf8))
            p.op("G"); p.raw([0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18])  // BINFLOAT pi
            p.op(0x8C); p.raw([1]); p.raw(Array("n".utf8))
            p.global("argparse", "Namespace"); p.op(")"); p.op(0x81)  // NEWOBJ
            p.op("}"); p.op("r"); p.raw([5, 0, 0, 0])  // LONG_BINPUT 5
            p.string("lr"); p.op("G"); p.raw([0x3F, 0xB9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A]); p.op("s")
            p.op("b")  // BUILD Namespace with {'lr': 0.1}
            p.op(0x8C); p.raw([1]); p.raw(Array("m".utf8))
            p.op("j"); p.raw([5, 0, 0, 0])  // LONG_BINGET 5
            p.op(0x8C); p.raw([1]); p.raw(Array("x".utf8))
            p.op("N"); p.op("2"); p.op("0")  // DUP then POP leaves one None
            p.op("u")  // SETITEMS
            p.mark(); p.int(99); p.op("1")  // POP_MARK discards
            p.stop()
        }
        let value = try load(data)
        XCTAssertEqual(value["s"], .list([.int(7)]))
        XCTAssertEqual(value["u"], .bytes(Data([9, 8])))
        XCTAssertEqual(value["f"], .list([.int(0x1234)]))
        XCTAssertEqual(value["l"], .int(-32768))
        XCTAssertEqual(value["t"], .tuple([.bool(true), .bool(false)]))
        XCTAssertEqual(value["d"], .dict([(.int(1), .int(2))]))
        XCTAssertEqual(value["g"], .float(Double.pi))
        XCTAssertEqual(value["n"], .dict([(.string("lr"), .float(0.1))]))
        XCTAssertEqual(value["m"], .dict([(.string("lr"), .float(0.1))]))
        XCTAssertEqual(value["x"], PickleValue.none)
    }

    func testDictKeysFollowPythonEquality() throws {
        // {1: 'a', True: 'b', 1.0: 'c'} is a one-entry dict in Python; the first key object is kept.
        let data = pickle { p in
            p.op("}"); p.mark()
            p.int(1); p.string("a"); p.op(0x88); p.string("b")
            p.op("G"); p.raw([0x3F, 0xF0, 0, 0, 0, 0, 0, 0]); p.string("c")
            p.op("u"); p.stop()
        }
        XCTAssertEqual(try load(data), .dict([(.int(1), .string("c"))]))
    }

    func testMalformedStreams() {
        assertTensorIOError("stack underflow") { try load(pickle { $0.stop() }) }
        assertTensorIOError("stack underflow") { try load(pickle { p in p.mark(); p.op("a"); p.stop() }) }
        assertTensorIOError("no MARK") { try load(pickle { p in p.op("t"); p.stop() }) }
        assertTensorIOError("memo index 3 was never stored") { try load(pickle { p in p.op("h"); p.raw([3]); p.stop() }) }
        assertTensorIOError("unsupported opcode 0xff") { try load(pickle { p in p.op(0xFF) }) }
        assertTensorIOError("unsupported opcode 0x49") { try load(pickle { p in p.raw(Array("I01\n.".utf8)) }) }
        assertTensorIOError("unsupported pickle protocol 9") { try load(Data([0x80, 0x09, 0x4E, 0x2E])) }
        assertTensorIOError("missing STOP") { try load(pickle { p in p.op("N") }) }
        assertTensorIOError("runs past the end") {
            try load(pickle { p in p.op("X"); p.raw([0xFF, 0xFF, 0xFF, 0x7F]); p.raw([0x41]); p.stop() })
        }
        assertTensorIOError("runs past the end") {
            try load(pickle { p in p.op(0x8D); p.raw([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]); p.stop() })
        }
        assertTensorIOError("not valid UTF-8") { try load(pickle { p in p.op(0x8C); p.raw([1, 0xFF]); p.stop() }) }
        assertTensorIOError("does not fit 64 bits") {
            try load(pickle { p in p.op(0x8A); p.raw([9, 0, 0, 0, 0, 0, 0, 0, 0, 1]); p.stop() })
        }
        assertTensorIOError("odd number") {
            try load(pickle { p in p.op("}"); p.mark(); p.int(1); p.op("u"); p.stop() })
        }
        assertTensorIOError("APPEND to a dict") { try load(pickle { p in p.op("}"); p.int(1); p.op("a"); p.stop() }) }
        assertTensorIOError("SETITEM on a list") {
            try load(pickle { p in p.op("]"); p.int(1); p.int(2); p.op("s"); p.stop() })
        }
        assertTensorIOError("unhashable dict key") {
            try load(pickle { p in p.op("}"); p.op("]"); p.int(2); p.op("s"); p.stop() })
        }
        assertTensorIOError("REDUCE on an int") { try load(pickle { p in p.int(1); p.op(")"); p.op("R"); p.stop() }) }
        assertTensorIOError("calling 'torch.FloatStorage' is not supported") {
            try load(pickle { p in p.global("torch", "FloatStorage"); p.op(")"); p.op("R"); p.stop() })
        }
        assertTensorIOError("persistent id must be a tuple") {
            // The legacy format's non-object pickles take no persistent ids; in a zip the id must be a storage.
            try load(pickle { p in p.string("x"); p.op("Q"); p.stop() })
        }
        assertTensorIOError("no end of line") {
            try load(pickle { p in p.op("c"); p.raw(Array(repeating: 0x61, count: 5000)); p.stop() })
        }
        // LONG1 within 64 bits, negative, and with sign-extension bytes.
        XCTAssertEqual(try load(pickle { p in p.op(0x8A); p.raw([9, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]); p.stop() }),
                       .int(-1))
        XCTAssertEqual(try load(pickle { p in p.op(0x8A); p.raw([0]); p.stop() }), .int(0))
    }

    func testPersistentIdsMustBeStorages() {
        let wrongShape = pickle { p in
            p.mark(); p.string("storage"); p.op("t"); p.op("Q"); p.stop()
        }
        assertTensorIOError("unsupported persistent id") { try load(wrongShape) }
        let notAStorage = pickle { p in
            p.mark(); p.string("storage"); p.global("torch", "float32"); p.string("0"); p.string("cpu"); p.int(1)
            p.op("t"); p.op("Q"); p.stop()
        }
        assertTensorIOError("not a storage type") { try load(notAStorage) }
        let module = pickle { p in
            p.mark(); p.string("storage"); p.global("torch.nn.modules.conv", "Conv2d"); p.op("t"); p.op("Q"); p.stop()
        }
        assertTensorIOError("pickle global 'torch.nn.modules.conv.Conv2d' is not allowed") { try load(module) }
    }

    func testDeepNestingAndCyclesFailCleanly() {
        // A million nested 1-tuples: parsing is iterative; turning it into values stops at the depth limit; and
        // tearing the graph down must not recurse either.
        var deep = PickleWriter()
        deep.op("N")
        deep.raw([UInt8](repeating: 0x85, count: 1_000_000))
        deep.stop()
        assertTensorIOError("nested deeper than 200 levels") { try load(deep.data) }

        // A list that contains itself.
        let cycle = pickle { p in p.op("]"); p.op("q"); p.raw([0]); p.op("h"); p.raw([0]); p.op("a"); p.stop() }
        assertTensorIOError("nested deeper than 200 levels") { try load(cycle) }
    }

    func testExponentialExpansionIsBounded() {
        // "Billion laughs": each level is a pair of references to the level below; 2^40 leaves from 40 levels.
        var p = PickleWriter()
        p.op("N")
        for level in 0..<40 {
            p.op("q"); p.raw([UInt8(level)])
            p.op("h"); p.raw([UInt8(level)])
            p.op(0x86)
        }
        p.stop()
        assertTensorIOError("more than 10000000 values") { try load(p.data) }
    }

    func testNumpyValuesNeedValidState() {
        let bigEndianScalar = pickle { p in
            p.global("numpy.core.multiarray", "scalar")
            p.global("numpy", "dtype"); p.string("f8"); p.op(0x89); p.op(0x88); p.op(0x87); p.op("R")
            p.mark(); p.int(3); p.string(">"); p.op("N"); p.op("N"); p.op("N"); p.int(-1); p.int(-1); p.int(0); p.op("t")
            p.op("b")
            p.op("C"); p.raw([8, 0, 0, 0, 0, 0, 0, 0, 0])
            p.op(0x86); p.op("R"); p.stop()
        }
        assertTensorIOError("big-endian numpy dtype") { try load(bigEndianScalar) }
        let shortScalar = pickle { p in
            p.global("numpy.core.multiarray", "scalar")
            p.global("numpy", "dtype"); p.string("f8"); p.op(0x89); p.op(0x88); p.op(0x87); p.op("R")
            p.op("C"); p.raw([3, 0, 0, 0])
            p.op(0x86); p.op("R"); p.stop()
        }
        assertTensorIOError("numpy scalar has 3 bytes") { try load(shortScalar) }
    }
}
