import Foundation
import XCTest
@testable import TensorIO

/// Fixture files written by PyTorch, numpy and the safetensors package (scripts/make_pt_fixtures.py).
enum Fixtures {
    static func url(_ name: String) -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            fatalError("missing fixture \(name); run scripts/make_pt_fixtures.py")
        }
        return url
    }

    static func data(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }

    static func all(withExtension ext: String) -> [String] {
        let dir = url("module_state.pt").deletingLastPathComponent()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(ext) }.sorted()
    }
}

/// A fresh empty directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("TensorIOTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Asserts that `body` throws a `TensorIOError` whose message contains `fragment`.
func assertTensorIOError<T>(_ fragment: String, file: StaticString = #filePath, line: UInt = #line,
                            _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected a TensorIOError containing \"\(fragment)\", got success", file: file, line: line)
    } catch let error as TensorIOError {
        XCTAssertTrue(error.description.contains(fragment),
                      "error \"\(error.description)\" does not contain \"\(fragment)\"", file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "error is not one line", file: file, line: line)
    } catch {
        XCTFail("expected a TensorIOError, got \(type(of: error)): \(error)", file: file, line: line)
    }
}

extension Data {
    init(hex: String) {
        var bytes: [UInt8] = []
        var chars = Array(hex.filter { !$0.isWhitespace })
        if chars.count % 2 == 1 { chars.insert("0", at: 0) }
        for i in stride(from: 0, to: chars.count, by: 2) { bytes.append(UInt8(String(chars[i...i + 1]), radix: 16)!) }
        self.init(bytes)
    }

    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

extension HostTensor {
    init(int64 values: [Int64], shape: [Int]) {
        self.init(scalarType: .int64, shape: shape, bytes: values.withUnsafeBufferPointer { Data(buffer: $0) })
    }
}

/// Builds zip archives by hand (stored entries), so tests can assemble `.pt` files — including broken ones —
/// independently of the reader under test. With `zip64`, sizes and offsets go in ZIP64 extra fields and a ZIP64
/// end record, as large checkpoints have them.
struct TestZip {
    var entries: [(name: String, data: Data, crc: UInt32?)] = []
    var zip64 = false
    /// Overrides the ZIP64 extra field's (uncompressed, compressed, offset) of every entry, to forge hostile values.
    var forgedZip64Values: (UInt64, UInt64, UInt64)?

    mutating func add(_ name: String, _ data: Data, crc: UInt32? = nil) { entries.append((name, data, crc)) }

    func build() -> Data {
        var out = Data()
        var central = Data()
        for (name, data, crcOverride) in entries {
            let offset = out.count
            let crc = crcOverride ?? ZipChecksum.checksum(data)
            let nameBytes = Data(name.utf8)
            func header(central: Bool) -> Data {
                let wide = zip64 && central
                var extra = Data()
                if wide {
                    let values = forgedZip64Values ?? (UInt64(data.count), UInt64(data.count), UInt64(offset))
                    extra.appendLE(UInt16(1))
                    extra.appendLE(UInt16(24))
                    extra.appendLE(values.0)
                    extra.appendLE(values.1)
                    extra.appendLE(values.2)
                }
                var h = Data()
                h.appendLE(UInt32(central ? 0x0201_4B50 : 0x0403_4B50))
                if central { h.appendLE(UInt16(45)) }  // version made by
                h.appendLE(UInt16(wide ? 45 : 20))  // version needed
                h.appendLE(UInt16(0x0800))  // flags: UTF-8 names
                h.appendLE(UInt16(0))  // stored
                h.appendLE(UInt32(0))  // time, date
                h.appendLE(crc)
                h.appendLE(wide ? UInt32.max : UInt32(data.count))
                h.appendLE(wide ? UInt32.max : UInt32(data.count))
                h.appendLE(UInt16(nameBytes.count))
                h.appendLE(UInt16(extra.count))
                if central {
                    h.appendLE(UInt16(0))  // comment
                    h.appendLE(UInt16(0))  // disk
                    h.appendLE(UInt16(0))  // internal attributes
                    h.appendLE(UInt32(0))  // external attributes
                    h.appendLE(wide ? UInt32.max : UInt32(offset))
                }
                h.append(nameBytes)
                h.append(extra)
                return h
            }
            out.append(header(central: false))
            out.append(data)
            central.append(header(central: true))
        }
        let centralOffset = out.count
        out.append(central)
        if zip64 {
            let recordOffset = out.count
            out.appendLE(UInt32(0x0606_4B50))
            out.appendLE(UInt64(44))  // size of the rest of the record
            out.appendLE(UInt16(45))
            out.appendLE(UInt16(45))
            out.appendLE(UInt32(0))
            out.appendLE(UInt32(0))
            out.appendLE(UInt64(entries.count))
            out.appendLE(UInt64(entries.count))
            out.appendLE(UInt64(central.count))
            out.appendLE(UInt64(centralOffset))
            out.appendLE(UInt32(0x0706_4B50))  // locator
            out.appendLE(UInt32(0))
            out.appendLE(UInt64(recordOffset))
            out.appendLE(UInt32(1))
        }
        out.appendLE(UInt32(0x0605_4B50))
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(0))
        out.appendLE(zip64 ? UInt16.max : UInt16(entries.count))
        out.appendLE(zip64 ? UInt16.max : UInt16(entries.count))
        out.appendLE(zip64 ? UInt32.max : UInt32(central.count))
        out.appendLE(zip64 ? UInt32.max : UInt32(centralOffset))
        out.appendLE(UInt16(0))
        return out
    }
}

/// Writes pickle opcodes by hand, so tests can build hostile or unusual pickles.
struct PickleWriter {
    var data = Data([0x80, 0x02])  // PROTO 2

    mutating func op(_ byte: UInt8) { data.append(byte) }
    mutating func op(_ ascii: Character) { data.append(ascii.asciiValue!) }
    mutating func raw(_ bytes: [UInt8]) { data.append(contentsOf: bytes) }

    mutating func global(_ module: String, _ name: String) {
        op("c")
        data.append(Data("\(module)\n\(name)\n".utf8))
    }

    mutating func string(_ s: String) {
        let bytes = Data(s.utf8)
        op("X")
        data.appendLE(UInt32(bytes.count))
        data.append(bytes)
    }

    mutating func int(_ v: Int32) {
        op("J")
        data.appendLE(v)
    }

    mutating func mark() { op("(") }
    mutating func stop() { op(".") }

    /// `_rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`.
    /// With `legacyView`, the persistent id takes the legacy format's sixth field: `None`, or a storage view
    /// `(view_key, offset, size)`.
    mutating func tensor(storageKey: String, storageType: String = "FloatStorage", numel: Int32, offset: Int32,
                         size: [Int32], stride: [Int32], legacyView: (key: String, offset: Int32, size: Int32)?? = nil) {
        global("torch._utils", "_rebuild_tensor_v2")
        mark()
        mark()
        string("storage")
        global("torch", storageType)
        string(storageKey)
        string("cpu")
        int(numel)
        if let legacyView {
            if let view = legacyView {
                mark(); string(view.key); int(view.offset); int(view.size); op("t")
            } else {
                op("N")
            }
        }
        op("t")
        op("Q")  // BINPERSID
        int(offset)
        mark(); for s in size { int(s) }; op("t")
        mark(); for s in stride { int(s) }; op("t")
        op(0x89)  // False
        global("collections", "OrderedDict")
        op(")")
        op("R")
        op("t")
        op("R")
    }
}

/// A `.pt` archive with `pickle` as `archive/data.pkl` and the given storages as `archive/data/<key>`.
func makeCheckpoint(pickle: Data, storages: [(String, Data)] = [], folder: String = "archive",
                    zip64: Bool = false) -> Data {
    var zip = TestZip()
    zip.zip64 = zip64
    zip.add("\(folder)/data.pkl", pickle)
    for (key, bytes) in storages { zip.add("\(folder)/data/\(key)", bytes) }
    return zip.build()
}

func floatBytes(_ values: [Float]) -> Data { values.withUnsafeBufferPointer { Data(buffer: $0) } }

/// A legacy (non-zip) `torch.save` stream: magic, protocol 1001, system info, the object pickle, the storage key
/// list, then each storage as an int64 element count and its bytes.
func makeLegacyCheckpoint(pickle: Data, keys: [String], storages: [(count: Int64, bytes: Data)]) -> Data {
    var out = Data([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E])
    out.append(Data([0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]))  // 1001
    out.append(Data([0x80, 0x02, 0x7D, 0x2E]))  // {}
    out.append(pickle)
    var list = PickleWriter()
    list.mark()
    for key in keys { list.string(key) }
    list.op("l")
    list.stop()
    out.append(list.data)
    for (count, bytes) in storages {
        out.appendLE(count)
        out.append(bytes)
    }
    return out
}
