import Foundation
import ZIPFoundation

/// A read-only view of a zip archive held in memory (usually a mapped file): the container of PyTorch's `.pt`.
///
/// The central directory is parsed here, with every offset and size checked against the archive's length before
/// use. ZIPFoundation's own `Archive` parser trusts those numbers (a crafted size of 2^63 traps converting to
/// `Int64`, a crafted offset overflows an addition), which a reader of downloaded checkpoints cannot afford; we use
/// ZIPFoundation for what it does well, inflating deflate-compressed entries. Stored entries — all that
/// `torch.save` writes — are sliced straight out of the mapped file.
struct ZipArchive {
    struct Entry {
        let path: String
        let method: UInt16
        let flags: UInt16
        let crc32: UInt32
        /// Where the (possibly compressed) bytes lie in the archive.
        let dataRange: Range<Int>
        let uncompressedSize: Int
    }

    /// A bound on an inflated entry, far beyond any real checkpoint's pickle, so a "zip bomb" fails cleanly.
    static let maxInflatedSize = 1 << 34

    let path: String
    let data: Data
    let entries: [Entry]
    private let indexByPath: [String: Int]

    /// Whether `data` starts like a zip archive (a local file header, or an empty archive's end record).
    static func looksLikeZip(_ data: Data) -> Bool {
        guard data.count >= 4 else { return false }
        let b = data.prefix(4).map { $0 }
        return b == [0x50, 0x4B, 0x03, 0x04] || b == [0x50, 0x4B, 0x05, 0x06]
    }

    init(data: Data, path: String) throws {
        func fail(_ message: String) -> TensorIOError { TensorIOError(path: path, "zip archive: \(message)") }
        self.path = path
        self.data = data
        let length = data.count
        var reader = ByteReader(data, path: path)

        // End of central directory record: the last one within the final 64 KiB + 22 bytes (its comment is at most
        // 65535 bytes).
        guard length >= 22 else { throw fail("too short to hold an end-of-central-directory record") }
        var eocd = -1
        var candidate = length - 22
        let lowest = max(0, length - 22 - 0xFFFF)
        while candidate >= lowest {
            try reader.seek(to: candidate, "end record")
            if try reader.uint32LE("end record") == 0x0605_4B50 { eocd = candidate; break }
            candidate -= 1
        }
        guard eocd >= 0 else { throw fail("no end-of-central-directory record (not a zip file, or truncated)") }
        try reader.seek(to: eocd + 4, "end record")
        let diskNumber = try reader.uint16LE("end record")
        let directoryDisk = try reader.uint16LE("end record")
        _ = try reader.uint16LE("end record")  // entries on this disk
        var entryCount = UInt64(try reader.uint16LE("end record"))
        var directorySize = UInt64(try reader.uint32LE("end record"))
        var directoryOffset = UInt64(try reader.uint32LE("end record"))
        guard diskNumber == 0 || diskNumber == 0xFFFF, directoryDisk == 0 || directoryDisk == 0xFFFF else {
            throw fail("multi-disk archives are not supported")
        }
        var directoryEnd = eocd

        // ZIP64: a locator just before the end record points to the 64-bit end record.
        if eocd >= 20 {
            try reader.seek(to: eocd - 20, "zip64 locator")
            if try reader.uint32LE("zip64 locator") == 0x0706_4B50 {
                _ = try reader.uint32LE("zip64 locator")
                let recordOffset = try reader.uint64LE("zip64 locator")
                // The 56-byte record must lie before the locator.
                guard eocd - 20 >= 56, recordOffset <= UInt64(eocd - 20 - 56) else {
                    throw fail("zip64 end record offset \(recordOffset) is out of range")
                }
                try reader.seek(to: Int(recordOffset), "zip64 end record")
                guard try reader.uint32LE("zip64 end record") == 0x0606_4B50 else {
                    throw fail("zip64 end record signature missing at offset \(recordOffset)")
                }
                try reader.skip(8 + 2 + 2 + 4 + 4 + 8, "zip64 end record")
                entryCount = try reader.uint64LE("zip64 end record")
                directorySize = try reader.uint64LE("zip64 end record")
                directoryOffset = try reader.uint64LE("zip64 end record")
                directoryEnd = Int(recordOffset)
            }
        }
        guard directoryOffset <= UInt64(directoryEnd), directorySize <= UInt64(directoryEnd) - directoryOffset else {
            throw fail("central directory (offset \(directoryOffset), \(directorySize) bytes) lies outside the archive")
        }
        // Each directory record takes at least 46 bytes, which bounds the entry count by the file's size.
        guard entryCount <= directorySize / 46 else {
            throw fail("\(entryCount) entries cannot fit a \(directorySize)-byte central directory")
        }

        var entries: [Entry] = []
        var indexByPath: [String: Int] = [:]
        try reader.seek(to: Int(directoryOffset), "central directory")
        for _ in 0..<Int(entryCount) {
            let entry = try Self.directoryEntry(&reader, archiveLength: length, fail: fail)
            guard indexByPath[entry.path] == nil else { throw fail("duplicate entry '\(entry.path)'") }
            indexByPath[entry.path] = entries.count
            entries.append(entry)
        }
        self.entries = entries
        self.indexByPath = indexByPath
    }

    private static func directoryEntry(_ reader: inout ByteReader, archiveLength: Int,
                                       fail: (String) -> TensorIOError) throws -> Entry {
        guard try reader.uint32LE("central directory") == 0x0201_4B50 else {
            throw fail("bad central directory record at offset \(reader.offset - 4)")
        }
        try reader.skip(4, "central directory")  // versions
        let flags = try reader.uint16LE("central directory")
        let method = try reader.uint16LE("central directory")
        try reader.skip(4, "central directory")  // time, date
        let crc = try reader.uint32LE("central directory")
        var compressedSize = UInt64(try reader.uint32LE("central directory"))
        var uncompressedSize = UInt64(try reader.uint32LE("central directory"))
        let nameLength = Int(try reader.uint16LE("central directory"))
        let extraLength = Int(try reader.uint16LE("central directory"))
        let commentLength = Int(try reader.uint16LE("central directory"))
        try reader.skip(2 + 2 + 4, "central directory")  // disk start, attributes
        var localOffset = UInt64(try reader.uint32LE("central directory"))
        let nameBytes = try reader.bytes(nameLength, "entry name")
        let extra = try reader.bytes(extraLength, "entry extra field")
        try reader.skip(commentLength, "entry comment")

        // Names are UTF-8 in practice (and flagged so by PyTorch); fall back to Latin-1 rather than fail.
        let name = String(bytes: nameBytes, encoding: .utf8) ?? String(nameBytes.map { Character(Unicode.Scalar($0)) })

        // ZIP64 extended information replaces, in order, each 32-bit field that is saturated at 0xFFFFFFFF.
        var extraReader = ByteReader(extra, path: reader.path)
        while extraReader.remaining >= 4 {
            let id = try extraReader.uint16LE("extra field")
            let size = Int(try extraReader.uint16LE("extra field"))
            var field = ByteReader(try extraReader.bytes(size, "extra field"), path: reader.path)
            guard id == 0x0001 else { continue }
            if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try field.uint64LE("zip64 extra field") }
            if compressedSize == 0xFFFF_FFFF { compressedSize = try field.uint64LE("zip64 extra field") }
            if localOffset == 0xFFFF_FFFF { localOffset = try field.uint64LE("zip64 extra field") }
        }

        guard flags & 1 == 0 else { throw fail("entry '\(name)' is encrypted") }
        guard localOffset <= UInt64(archiveLength), compressedSize <= UInt64(archiveLength) else {
            throw fail("entry '\(name)' points outside the archive")
        }
        guard uncompressedSize <= UInt64(maxInflatedSize) else {
            throw fail("entry '\(name)' claims \(uncompressedSize) bytes, beyond the \(maxInflatedSize)-byte limit")
        }
        // The local header repeats the name and has its own extra field; the data follows it.
        var local = reader
        try local.seek(to: Int(localOffset), "local header of '\(name)'")
        guard try local.uint32LE("local header") == 0x0403_4B50 else {
            throw fail("entry '\(name)' has no local header at offset \(localOffset)")
        }
        try local.skip(22, "local header")
        let localNameLength = Int(try local.uint16LE("local header"))
        let localExtraLength = Int(try local.uint16LE("local header"))
        try local.skip(localNameLength + localExtraLength, "local header of '\(name)'")
        let start = local.offset
        guard UInt64(start) + compressedSize <= UInt64(archiveLength) else {
            throw fail("data of entry '\(name)' runs past the end of the archive")
        }
        if method == 0, compressedSize != uncompressedSize {
            throw fail("stored entry '\(name)' has differing sizes (\(compressedSize) vs \(uncompressedSize))")
        }
        return Entry(path: name, method: method, flags: flags, crc32: crc,
                     dataRange: start..<(start + Int(compressedSize)), uncompressedSize: Int(uncompressedSize))
    }

    func entry(_ path: String) -> Entry? { indexByPath[path].map { entries[$0] } }

    /// The bytes of `entry`, decompressed and (if `verify`) checked against its CRC-32.
    func contents(of entry: Entry, verify: Bool = true) throws -> Data {
        func fail(_ message: String) -> TensorIOError { TensorIOError(path: path, "zip entry '\(entry.path)': \(message)") }
        let base = data.startIndex
        let result: Data
        switch entry.method {
        case 0:
            result = Data(data[(base + entry.dataRange.lowerBound)..<(base + entry.dataRange.upperBound)])
        case 8:
            result = try inflate(entry, fail: fail)
        default:
            throw fail("unsupported compression method \(entry.method)")
        }
        if verify {
            let crc = ZipChecksum.checksum(result)
            guard crc == entry.crc32 else {
                throw fail(String(format: "checksum mismatch (stored %08x, computed %08x): the file is corrupt", entry.crc32, crc))
            }
        }
        return result
    }

    private func inflate(_ entry: Entry, fail: (String) -> TensorIOError) throws -> Data {
        let chunk = 1 << 16
        var output = Data()
        // Reserve what the entry declares, but not more than its compressed size could plausibly hold, so a
        // forged size cannot make us allocate up front (output still grows as real data arrives).
        output.reserveCapacity(min(entry.uncompressedSize, entry.dataRange.count * 8 + chunk))
        let base = data.startIndex + entry.dataRange.lowerBound
        let end = data.startIndex + entry.dataRange.upperBound
        struct TooLarge: Error {}
        struct Truncated: Error {}
        do {
            _ = try Data.decompress(size: Int64(entry.dataRange.count), bufferSize: chunk, skipCRC32: true,
                                    provider: { position, size in
                // Running out of input before the deflate stream ends must fail, not be retried forever.
                let start = base + Int(position)
                guard start < end else { throw Truncated() }
                // ZIPFoundation tells zlib every chunk holds `size` bytes, so a short final chunk would let a
                // corrupt stream read past it; pad with zeros to the full size instead.
                var piece = Data(data[start..<min(end, start + size)])
                if piece.count < size { piece.append(Data(count: size - piece.count)) }
                return piece
            }, consumer: { piece in
                guard output.count + piece.count <= entry.uncompressedSize else { throw TooLarge() }
                output.append(piece)
            })
        } catch is TooLarge {
            throw fail("inflates to more than its declared \(entry.uncompressedSize) bytes")
        } catch is Truncated {
            throw fail("deflate stream is truncated")
        } catch {
            throw fail("corrupt deflate data")
        }
        guard output.count == entry.uncompressedSize else {
            throw fail("inflated to \(output.count) bytes, declared \(entry.uncompressedSize)")
        }
        return output
    }
}
