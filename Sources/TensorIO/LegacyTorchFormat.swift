import Foundation

/// The pre-1.6 `torch.save` stream (still written with `_use_new_zipfile_serialization=False`): five things back to
/// back — a pickled magic number, the protocol version (1001), a system-info dict, the object pickle whose
/// persistent ids name storages, and the sorted list of storage keys — followed, per key, by the storage's
/// element count (int64, little-endian) and its raw little-endian bytes.
struct LegacyTorchFormat {
    /// `pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)`: every legacy file begins with exactly these bytes.
    static let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    static func matches(_ data: Data) -> Bool { data.starts(with: magic) }

    let root: PickleNode
    /// Byte range of each storage's data within the file.
    let storageRanges: [String: Range<Int>]

    init(data: Data, path: String, arena: PickleArena) throws {
        func fail(_ message: String) -> TensorIOError { TensorIOError(path: path, "legacy torch.save format: \(message)") }
        var reader = ByteReader(data, path: path)
        try reader.skip(Self.magic.count, "magic number")

        guard case .int(1001) = try PickleMachine.load(&reader, arena: arena) else {
            throw fail("unsupported protocol version")
        }
        guard case .dict = try PickleMachine.load(&reader, arena: arena) else { throw fail("missing system info") }

        // The object pickle: remember each storage's element type as its persistent id declares it.
        var types: [String: ScalarType] = [:]
        root = try PickleMachine.load(&reader, arena: arena) { pid, machine in
            let items = try machine.tupleItems(pid, "persistent id")
            if case .string("module")? = items.first {
                throw TensorIOError(path: path, "checkpoint stores a whole nn.Module (torch.save(model)); "
                                    + "save model.state_dict() instead")
            }
            // ('storage', storage_type, root_key, location, numel, view_metadata)
            guard items.count == 6, case .string("storage") = items[0] else {
                throw machine.error("unsupported persistent id")
            }
            guard case .global(let type) = items[1], case .storageType(let scalarType) = type.kind else {
                throw machine.error("persistent id names \(items[1].kindDescription), not a storage type")
            }
            guard case .string(let key) = items[2] else { throw machine.error("storage key is not a string") }
            if let known = types[key], known != scalarType {
                throw machine.error("storage '\(key)' is used as both \(known.rawValue) and \(scalarType.rawValue)")
            }
            types[key] = scalarType
            var offset = 0
            if case .tuple = items[5] {
                // (view_key, offset, view_size): a view into the root storage, offset in elements.
                let view = try machine.tupleItems(items[5], "storage view")
                guard view.count == 3 else { throw machine.error("malformed storage view") }
                offset = try machine.intValue(view[1], "storage view offset")
                guard offset >= 0 else { throw machine.error("negative storage view offset") }
            }
            return .storage(StorageReference(key: key, scalarType: scalarType, elementOffset: offset))
        }

        let keyList = try PickleMachine.load(&reader, arena: arena)
        guard case .list(let keys) = keyList else { throw fail("storage key list is missing") }
        var ranges: [String: Range<Int>] = [:]
        for keyNode in keys.items {
            guard case .string(let key) = keyNode else { throw fail("storage key is not a string") }
            guard let type = types[key] else { throw fail("storage '\(key)' is listed but never used") }
            let count = try reader.int64LE("size of storage '\(key)'")
            guard count >= 0, let bytes = SafeMath.multiply(Int(count), type.byteWidth), bytes <= reader.remaining else {
                throw fail("storage '\(key)' claims \(count) elements, more than the file holds")
            }
            ranges[key] = try reader.range(bytes, "storage '\(key)'")
        }
        for key in types.keys where ranges[key] == nil {
            throw fail("storage '\(key)' is referenced but not stored")
        }
        storageRanges = ranges
    }
}
