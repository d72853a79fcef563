import Foundation

/// A PyTorch checkpoint written by `torch.save` — the `.pt`/`.pth` files of StyleGAN2 (rosinality), e4e, pSp,
/// HFGI — read natively: the zip container (PyTorch ≥ 1.6) or the legacy stream format, and a pickle interpreter
/// that executes nothing.
///
/// Opening parses the (small) pickle and checks that every storage it references exists. Tensor data is read
/// only when asked for, and only for the part asked for: `load(key: "g_ema")` reads the generator's storages and
/// none of the discriminator's.
///
/// Nothing changes after `init`, so one checkpoint may be read from several threads at once.
public final class TorchCheckpoint: @unchecked Sendable {
    public enum Format: Sendable, Equatable {
        /// `torch.save` since PyTorch 1.6: a zip archive of `data.pkl` plus one entry per storage.
        case zip
        /// `torch.save(..., _use_new_zipfile_serialization=False)` and PyTorch < 1.6: pickles and raw storages
        /// back to back.
        case legacy
    }

    /// Limits on turning the parsed pickle into values: nesting depth, and the total number of values produced
    /// (shared references can make a tiny pickle expand exponentially).
    static let maxDepth = 200
    static let maxValues = 10_000_000
    /// Bytes one `load` may allocate for storages and tensor copies: a real checkpoint needs about its own size,
    /// but a crafted one could view one storage through thousands of offset views, each copied.
    static func memoryBudget(fileSize: Int) -> Int { max(4 * fileSize, 1 << 30) }

    public let path: String
    public let format: Format
    /// See `memoryBudget(fileSize:)`; internal and settable only so tests can exercise the limit cheaply.
    var memoryBudget: Int
    /// Owns the parsed pickle graph and tears it down without recursion when the checkpoint is released.
    private let arena: PickleArena
    private let root: PickleNode
    private let storages: StorageSource

    /// Opens the checkpoint at `url` (memory-mapped). With `verifyChecksums`, the CRC-32 of every zip entry read
    /// is checked, so a corrupted download fails instead of loading wrong weights.
    public convenience init(contentsOf url: URL, verifyChecksums: Bool = true) throws {
        try self.init(data: readMappedFile(url), path: url.path, verifyChecksums: verifyChecksums)
    }

    /// Opens checkpoint bytes held in memory; `path` names them in errors.
    public init(data: Data, path: String = TensorIOError.inMemoryPath, verifyChecksums: Bool = true) throws {
        self.path = path
        self.memoryBudget = Self.memoryBudget(fileSize: data.count)
        let arena = PickleArena()
        self.arena = arena
        if ZipArchive.looksLikeZip(data) {
            let archive = try ZipArchive(data: data, path: path)
            let layout = try ZipLayout(archive: archive, path: path)
            guard layout.pickle.uncompressedSize <= Self.memoryBudget(fileSize: data.count) else {
                throw TensorIOError(path: path, "data.pkl claims \(layout.pickle.uncompressedSize) bytes, "
                                    + "far more than a checkpoint of this size can hold")
            }
            let pickle = try archive.contents(of: layout.pickle, verify: verifyChecksums)
            var reader = ByteReader(pickle, path: path)
            root = try PickleMachine.load(&reader, arena: arena) { pid, machine in
                try layout.resolveStorage(pid, machine: machine)
            }
            format = .zip
            storages = .zip(archive: archive, layout: layout, verify: verifyChecksums)
        } else if LegacyTorchFormat.matches(data) {
            let legacy = try LegacyTorchFormat(data: data, path: path, arena: arena)
            root = legacy.root
            format = .legacy
            storages = .legacy(data: data, ranges: legacy.storageRanges)
        } else if data.count > 262, data[data.startIndex + 257..<data.startIndex + 262].elementsEqual("ustar".utf8) {
            throw TensorIOError(path: path, "the tar-based torch.save format of early PyTorch releases is not "
                                + "supported; re-save with torch>=1.6")
        } else {
            throw TensorIOError(path: path, "not a PyTorch checkpoint (neither a zip archive nor a torch.save pickle)")
        }
    }

    /// The string keys of the top-level dict (e.g. `["g", "d", "g_ema", "latent_avg", ...]`); empty if the
    /// checkpoint is not a dict.
    public var topLevelKeys: [String] {
        guard case .dict(let d) = root else { return [] }
        return d.entries.compactMap { if case .string(let s) = $0.key { return s } else { return nil } }
    }

    /// The whole checkpoint, all tensors read.
    public func load() throws -> PickleValue {
        try checkExpandedSize(root)
        var context = MaterializeContext(budget: memoryBudget)
        return try materialize(root, name: "", depth: 0, context: &context)
    }

    /// One entry of the top-level dict (e.g. `"g_ema"`, `"state_dict"`, `"latent_avg"`, `"opts"`); only the
    /// storages under it are read.
    public func load(key: String) throws -> PickleValue {
        let node = try topLevelNode(key)
        try checkExpandedSize(node)
        var context = MaterializeContext(budget: memoryBudget)
        return try materialize(node, name: key, depth: 0, context: &context)
    }

    /// The tensors of the checkpoint, or of one top-level entry, as a flat state dict with dotted names
    /// (`stateDict(key: "g_ema")["style.1.weight"]`). Non-tensor values are skipped.
    public func stateDict(key: String? = nil) throws -> StateDict {
        let value = try key.map { try load(key: $0) } ?? load()
        return try value.flattenedTensors(path: path)
    }

    /// The string keys of the dict at top-level `key` (a state dict's names), from the pickle alone: no tensor data is
    /// read. Empty when that entry is not a dict.
    public func keys(under key: String) throws -> [String] {
        guard case .dict(let d) = try topLevelNode(key) else { return [] }
        return d.entries.compactMap { if case .string(let s) = $0.key { return s } else { return nil } }
    }

    private func topLevelNode(_ key: String) throws -> PickleNode {
        guard case .dict(let d) = root else {
            throw TensorIOError(path: path, "checkpoint is \(root.kindDescription), not a dict; it has no key '\(key)'")
        }
        for (k, v) in d.entries { if case .string(let s) = k, s == key { return v } }
        let keys = topLevelKeys
        let shown = keys.prefix(12).joined(separator: ", ") + (keys.count > 12 ? ", …" : "")
        throw TensorIOError(path: path, "no top-level key '\(key)' (keys: \(shown))")
    }

    // MARK: Materialising

    private enum StorageSource {
        case zip(archive: ZipArchive, layout: ZipLayout, verify: Bool)
        case legacy(data: Data, ranges: [String: Range<Int>])
    }

    private struct MaterializeContext {
        /// Storage bytes read so far in this call; views of one storage share them.
        var storageCache: [String: Data] = [:]
        /// Tensors built so far, by view; a tensor referenced from several places is built once.
        var tensorCache: [String: HostTensor] = [:]
        var bytesAllocated = 0
        let budget: Int

        init(budget: Int) { self.budget = budget }

        mutating func allocate(_ bytes: Int, path: String) throws {
            guard bytes <= budget - bytesAllocated else {
                throw TensorIOError(path: path, "reading needs more than \(budget) bytes of memory; "
                                    + "the checkpoint's views expand far beyond its size")
            }
            bytesAllocated += bytes
        }
    }

    private func storageBytes(_ key: String, context: inout MaterializeContext) throws -> Data {
        if let cached = context.storageCache[key] { return cached }
        let bytes: Data
        switch storages {
        case let .zip(archive, layout, verify):
            guard let entry = layout.storageEntry(key) else {
                throw TensorIOError(path: path, "storage '\(key)' is missing from the archive")
            }
            try context.allocate(entry.uncompressedSize, path: path)
            bytes = try archive.contents(of: entry, verify: verify)
        case let .legacy(data, ranges):
            guard let range = ranges[key] else { throw TensorIOError(path: path, "storage '\(key)' is missing") }
            try context.allocate(range.count, path: path)
            bytes = Data(data[(data.startIndex + range.lowerBound)..<(data.startIndex + range.upperBound)])
        }
        context.storageCache[key] = bytes
        return bytes
    }

    private func tensor(_ ref: TensorReference, name: String, context: inout MaterializeContext) throws -> HostTensor {
        let label = name.isEmpty ? "tensor" : "tensor '\(name)'"
        guard let offset = SafeMath.add(ref.storageOffset, ref.storage.elementOffset) else {
            throw TensorIOError(path: path, "\(label): storage offset overflows")
        }
        let viewKey = "\(ref.storage.key) \(offset) \(ref.shape) \(ref.strides)"
        if let cached = context.tensorCache[viewKey] { return cached }
        let storage = try storageBytes(ref.storage.key, context: &context)
        var swap = false
        if case let .zip(_, layout, _) = storages { swap = layout.bigEndian }
        let tensor = try StridedTensor.materialize(
            storage: storage, scalarType: ref.storage.scalarType, storageOffset: offset, shape: ref.shape,
            strides: ref.strides, swapBytes: swap,
            fail: { TensorIOError(path: self.path, "\(label) (storage '\(ref.storage.key)'): \($0)") },
            allocate: { try context.allocate($0, path: self.path) })
        try FiniteValues.check(tensor, label: label, path: path)
        context.tensorCache[viewKey] = tensor
        return tensor
    }

    /// Counts the values `node` expands to, without building them: a pickle can reference one container from many
    /// places, so 40 levels of "a pair of the level below" is a few hundred bytes that expand to 2^40 values.
    /// Shared containers are counted once each (memoised), so this costs time proportional to the pickle.
    private func checkExpandedSize(_ node: PickleNode) throws {
        var counted: [ObjectIdentifier: Int] = [:]
        func size(_ node: PickleNode, depth: Int) throws -> Int {
            guard depth < Self.maxDepth else {
                throw TensorIOError(path: path, "values nested deeper than \(Self.maxDepth) levels")
            }
            let children: [PickleNode]
            let identity: ObjectIdentifier
            switch node {
            case .list(let l), .set(let l): (children, identity) = (l.items, ObjectIdentifier(l))
            case .tuple(let t): (children, identity) = (t.items, ObjectIdentifier(t))
            case .dict(let d), .namespace(let d):
                (children, identity) = (d.entries.flatMap { [$0.key, $0.value] }, ObjectIdentifier(d))
            case .object(let o): (children, identity) = ([o.state], ObjectIdentifier(o))
            default: return 1
            }
            if let known = counted[identity] { return known }
            var total = 1
            for child in children {
                // Saturate just past the limit so sums cannot overflow.
                total = min(Self.maxValues + 1, total + (try size(child, depth: depth + 1)))
            }
            counted[identity] = total
            return total
        }
        guard try size(node, depth: 0) <= Self.maxValues else {
            throw TensorIOError(path: path, "checkpoint expands to more than \(Self.maxValues) values")
        }
    }

    private func materialize(_ node: PickleNode, name: String, depth: Int,
                             context: inout MaterializeContext) throws -> PickleValue {
        // `checkExpandedSize` has bounded depth and size already; this guard only keeps the recursion safe.
        guard depth < Self.maxDepth else {
            throw TensorIOError(path: path, "values nested deeper than \(Self.maxDepth) levels (at '\(name)')")
        }
        func child(_ key: String) -> String { name.isEmpty ? key : "\(name).\(key)" }
        func sequence(_ items: [PickleNode]) throws -> [PickleValue] {
            try items.enumerated().map { try materialize($1, name: child(String($0)), depth: depth + 1, context: &context) }
        }
        func entries(_ dict: PickleDict) throws -> [(key: PickleValue, value: PickleValue)] {
            try dict.entries.map { key, value in
                let k = try materialize(key, name: name, depth: depth + 1, context: &context)
                let label: String
                switch k {
                case .string(let s): label = s
                case .int(let i): label = String(i)
                default: label = "?"
                }
                return (k, try materialize(value, name: child(label), depth: depth + 1, context: &context))
            }
        }
        switch node {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return .float(d)
        case .string(let s): return .string(s)
        case .bytes(let b): return .bytes(b)
        case .list(let l), .set(let l): return .list(try sequence(l.items))
        case .tuple(let t): return .tuple(try sequence(t.items))
        case .dict(let d), .namespace(let d): return .dict(try entries(d))
        case .global(let g): return .object(name: g.qualifiedName, state: .none)
        case .storage(let s):
            // A storage saved on its own: all of its elements as a 1-D tensor.
            let bytes = try storageBytes(s.key, context: &context)
            let count = max(0, bytes.count / s.scalarType.byteWidth - s.elementOffset)
            return .tensor(try tensor(TensorReference(storage: s, storageOffset: 0, shape: [count], strides: [1]),
                                      name: name, context: &context))
        case .tensor(let ref): return .tensor(try tensor(ref, name: name, context: &context))
        case .numpyDType(let d): return .object(name: "numpy.dtype", state: .string("\(d.byteOrder)\(d.code)"))
        case .numpyArray(let a):
            guard let t = a.tensor else { throw TensorIOError(path: path, "numpy array '\(name)' has no data") }
            return .tensor(t)
        case .object(let o):
            return .object(name: o.name, state: try materialize(o.state, name: name, depth: depth + 1, context: &context))
        }
    }
}

/// Where things are in a zip checkpoint: `<folder>/data.pkl`, `<folder>/data/<key>`, `<folder>/byteorder`. The
/// folder is named after the file by PyTorch 1.x and `archive` by 2.x, so any single top-level folder is accepted.
struct ZipLayout {
    let archive: ZipArchive
    let folder: String
    let pickle: ZipArchive.Entry
    /// PyTorch ≥ 2.1 records the writer's byte order; data from a big-endian machine is swapped on read.
    let bigEndian: Bool

    init(archive: ZipArchive, path: String) throws {
        self.archive = archive
        // TorchScript archives have a data.pkl too, but it names compiled classes; say what the file is instead.
        if archive.entries.contains(where: { $0.path.hasSuffix("/constants.pkl") || $0.path.contains("/code/") }) {
            throw TensorIOError(path: path, "this is a TorchScript archive (torch.jit.save), not a torch.save "
                                + "checkpoint; save its state_dict() with torch.save instead")
        }
        let pickles = archive.entries.filter {
            let parts = $0.path.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }
        guard pickles.count == 1, let pickle = pickles.first else {
            if pickles.count > 1 { throw TensorIOError(path: path, "archive holds several data.pkl records") }
            throw TensorIOError(path: path, "zip archive has no <folder>/data.pkl record: not a torch.save checkpoint")
        }
        self.pickle = pickle
        folder = String(pickle.path.dropLast("/data.pkl".count))
        if let entry = archive.entry("\(folder)/byteorder") {
            guard entry.uncompressedSize <= 16 else { throw TensorIOError(path: path, "byteorder record is too long") }
            let text = String(decoding: try archive.contents(of: entry), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            switch text {
            case "little": bigEndian = false
            case "big": bigEndian = true
            default: throw TensorIOError(path: path, "unknown byte order '\(text.prefix(20))' in the byteorder record")
            }
        } else {
            bigEndian = false
        }
    }

    func storageEntry(_ key: String) -> ZipArchive.Entry? { archive.entry("\(folder)/data/\(key)") }

    /// `('storage', storage_type, key, location, numel)` → the storage `data/<key>`, which must exist.
    func resolveStorage(_ pid: PickleNode, machine: PickleMachine) throws -> PickleNode {
        let items = try machine.tupleItems(pid, "persistent id")
        guard items.count == 5, case .string("storage") = items[0] else {
            throw machine.error("unsupported persistent id (expected ('storage', type, key, location, numel))")
        }
        guard case .global(let type) = items[1], case .storageType(let scalarType) = type.kind else {
            throw machine.error("persistent id names \(items[1].kindDescription), not a storage type")
        }
        guard case .string(let key) = items[2] else { throw machine.error("storage key is not a string") }
        _ = try machine.intValue(items[4], "storage size")
        guard storageEntry(key) != nil else {
            throw TensorIOError(path: archive.path, "storage '\(key)' (\(folder)/data/\(key)) is missing from the archive")
        }
        return .storage(StorageReference(key: key, scalarType: scalarType, elementOffset: 0))
    }
}
