import Foundation

/// An opened `.safetensors` file (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length N, N bytes of JSON describing each tensor (dtype, shape, byte range in the data section) plus optional
/// `__metadata__` string pairs, then the data section.
///
/// The file is memory-mapped and the header validated when opened; tensor bytes are copied out only when asked
/// for, so reading a few tensors of a large checkpoint touches only their pages.
public struct SafeTensorsFile: Sendable {
    /// One tensor's description from the header.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let scalarType: ScalarType
        public let shape: [Int]
        /// Byte range within the data section (after the header).
        public let dataRange: Range<Int>
    }

    /// The spec's limit on the header size; a larger claim means a corrupt or hostile file.
    public static let maxHeaderSize = 100_000_000

    public let path: String
    /// The `__metadata__` pairs (empty if absent).
    public let metadata: [String: String]
    /// Tensors in the order their bytes appear in the file.
    public let entries: [Entry]
    private let indexByName: [String: Int]
    private let data: Data
    private let dataStart: Int

    /// Tensor names in file order.
    public var names: [String] { entries.map(\.name) }

    /// Opens and validates `url` (memory-mapped).
    public init(contentsOf url: URL) throws {
        try self.init(data: readMappedFile(url), path: url.path)
    }

    /// Validates in-memory safetensors bytes; `path` names them in errors.
    public init(data: Data, path: String = TensorIOError.inMemoryPath) throws {
        func fail(_ message: String) -> TensorIOError { TensorIOError(path: path, message) }
        var reader = ByteReader(data, path: path)
        let declared = try reader.uint64LE("safetensors header length")
        guard declared <= UInt64(reader.remaining) else {
            throw fail("header length \(declared) runs past the end of the file (\(data.count) bytes)")
        }
        guard declared <= UInt64(Self.maxHeaderSize) else {
            throw fail("header length \(declared) exceeds the \(Self.maxHeaderSize)-byte limit")
        }
        let headerBytes = [UInt8](try reader.bytes(Int(declared), "safetensors header"))
        guard headerBytes.first == UInt8(ascii: "{") else { throw fail("header is not a JSON object") }

        let json: JSONValue
        do { json = try JSONParser.parse(headerBytes) } catch let failure as JSONParser.Failure {
            throw fail("malformed JSON header: \(failure.message)")
        }
        guard case .object(let members) = json else { throw fail("header is not a JSON object") }

        let dataSize = reader.remaining
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else { throw fail("__metadata__ is not an object") }
                for (key, v) in pairs {
                    guard case .string(let s) = v else {
                        throw fail("__metadata__ value for '\(key)' is \(v.typeName), not a string")
                    }
                    metadata[key] = s
                }
                continue
            }
            entries.append(try Self.entry(named: name, from: value, dataSize: dataSize, fail: fail))
        }

        // Tensors must not share bytes: overlapping ranges mean a corrupt (or crafted) header.
        entries.sort { ($0.dataRange.lowerBound, $0.name) < ($1.dataRange.lowerBound, $1.name) }
        var end = 0
        var previous = ""
        for entry in entries where !entry.dataRange.isEmpty {
            guard entry.dataRange.lowerBound >= end else {
                throw fail("tensor '\(entry.name)' overlaps tensor '\(previous)' in the data section")
            }
            end = entry.dataRange.upperBound
            previous = entry.name
        }

        self.path = path
        self.metadata = metadata
        self.entries = entries
        self.indexByName = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
        self.data = data
        self.dataStart = reader.offset
    }

    private static func entry(named name: String, from value: JSONValue, dataSize: Int,
                              fail: (String) -> TensorIOError) throws -> Entry {
        guard case .object(let fields) = value else { throw fail("tensor '\(name)': entry is not an object") }
        func field(_ key: String) throws -> JSONValue {
            guard let v = fields.first(where: { $0.key == key })?.value else {
                throw fail("tensor '\(name)': missing \"\(key)\"")
            }
            return v
        }
        func integers(_ key: String) throws -> [Int] {
            guard case .array(let items) = try field(key) else { throw fail("tensor '\(name)': \"\(key)\" is not an array") }
            return try items.map {
                guard case .int(let v) = $0 else { throw fail("tensor '\(name)': \"\(key)\" holds a non-integer") }
                return v
            }
        }
        guard case .string(let dtypeName) = try field("dtype") else { throw fail("tensor '\(name)': dtype is not a string") }
        guard let scalarType = ScalarType(rawValue: dtypeName) else {
            throw fail("tensor '\(name)': unsupported dtype '\(dtypeName)'")
        }
        let shape = try integers("shape")
        guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor '\(name)': negative dimension in shape \(shape)") }
        guard let byteCount = HostTensor.byteCount(shape: shape, scalarType: scalarType) else {
            throw fail("tensor '\(name)': shape \(shape) is too large")
        }
        let offsets = try integers("data_offsets")
        guard offsets.count == 2 else { throw fail("tensor '\(name)': data_offsets must hold two integers") }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] outside the data section (\(dataSize) bytes)")
        }
        guard end - begin == byteCount else {
            throw fail("tensor '\(name)': data_offsets span \(end - begin) bytes but \(scalarType.rawValue) \(shape) needs \(byteCount)")
        }
        return Entry(name: name, scalarType: scalarType, shape: shape, dataRange: begin..<end)
    }

    public func entry(named name: String) -> Entry? { indexByName[name].map { entries[$0] } }

    /// The tensor called `name`, copied out of the file.
    public func tensor(named name: String) throws -> HostTensor {
        guard let entry = entry(named: name) else { throw TensorIOError(path: path, "no tensor named '\(name)'") }
        let start = data.startIndex + dataStart + entry.dataRange.lowerBound
        let bytes = Data(data[start..<(start + entry.dataRange.count)])
        let tensor = HostTensor(scalarType: entry.scalarType, shape: entry.shape, bytes: bytes)
        try FiniteValues.check(tensor, label: "tensor '\(name)'", path: path)
        return tensor
    }

    /// All tensors, in file order.
    public func stateDict() throws -> StateDict {
        var result = StateDict()
        for entry in entries { result[entry.name] = try tensor(named: entry.name) }
        return result
    }
}

/// Reading and writing whole safetensors files.
public enum SafeTensors {
    /// Reads every tensor and the metadata of `url`.
    public static func read(_ url: URL) throws -> (tensors: StateDict, metadata: [String: String]) {
        let file = try SafeTensorsFile(contentsOf: url)
        return (try file.stateDict(), file.metadata)
    }

    /// Writes `tensors` and `metadata` to `url` atomically. A tensor holding NaN, ±infinity or an absurd value is
    /// refused before anything is written, so a diverged model never replaces a good file.
    public static func write(_ tensors: StateDict, metadata: [String: String] = [:], to url: URL) throws {
        for (name, tensor) in tensors {
            try FiniteValues.check(tensor, label: "not written: tensor '\(name)'", path: url.path)
        }
        let layout = try Layout(tensors, metadata: metadata, path: url.path)
        try AtomicFile.write(to: url) { sink in
            try sink.write(layout.prefix)
            for name in layout.order { try sink.write(tensors[name]!.bytes) }
        }
    }

    /// The bytes of a safetensors file holding `tensors` and `metadata`.
    public static func encode(_ tensors: StateDict, metadata: [String: String] = [:]) throws -> Data {
        let layout = try Layout(tensors, metadata: metadata, path: TensorIOError.inMemoryPath)
        var data = layout.prefix
        for name in layout.order { data.append(tensors[name]!.bytes) }
        return data
    }

    /// Header and data order of a file to write.
    private struct Layout {
        /// Length field plus padded JSON header.
        let prefix: Data
        /// Tensor names in data order.
        let order: [String]

        init(_ tensors: StateDict, metadata: [String: String], path: String) throws {
            for name in tensors.names where name == "__metadata__" {
                throw TensorIOError(path: path, "'__metadata__' is reserved and cannot name a tensor")
            }
            // The reference writer's order: by dtype (widest first, in its enum's order), then by name. With the
            // header padded to 8 bytes every tensor then starts at a multiple of its element size, and our files
            // are byte-identical to the reference's.
            let order = tensors.names.sorted {
                let (a, b) = (Self.rank(tensors[$0]!.scalarType), Self.rank(tensors[$1]!.scalarType))
                return a != b ? a < b : Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))
            }
            var ranges: [String: Range<Int>] = [:]
            var offset = 0
            for name in order {
                let count = tensors[name]!.bytes.count
                ranges[name] = offset..<(offset + count)
                offset += count
            }
            // Header: `__metadata__` (keys sorted) first, then the tensors in data order.
            var members: [String] = []
            if !metadata.isEmpty {
                let keys = metadata.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                let pairs = keys.map { "\(JSONWriter.quote($0)):\(JSONWriter.quote(metadata[$0]!))" }
                members.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
            }
            for name in order {
                let t = tensors[name]!
                let r = ranges[name]!
                let shape = t.shape.map(String.init).joined(separator: ",")
                members.append("\(JSONWriter.quote(name)):{\"dtype\":\"\(t.scalarType.rawValue)\",\"shape\":[\(shape)],"
                               + "\"data_offsets\":[\(r.lowerBound),\(r.upperBound)]}")
            }
            var header = Data("{\(members.joined(separator: ","))}".utf8)
            header.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
            guard header.count <= SafeTensorsFile.maxHeaderSize else {
                throw TensorIOError(path: path, "header of \(header.count) bytes exceeds the \(SafeTensorsFile.maxHeaderSize)-byte limit")
            }
            var prefix = Data()
            withUnsafeBytes(of: UInt64(header.count).littleEndian) { prefix.append(contentsOf: $0) }
            prefix.append(header)
            self.prefix = prefix
            self.order = order
        }

        private static func rank(_ type: ScalarType) -> Int {
            switch type {
            case .int64: return 0
            case .float64: return 1
            case .float32: return 2
            case .int32: return 3
            case .bfloat16: return 4
            case .float16: return 5
            case .int16: return 6
            case .int8: return 7
            case .uint8: return 8
            case .bool: return 9
            }
        }
    }
}
