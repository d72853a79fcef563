import Foundation

/// A forward cursor over bytes from a file. Every read checks the remaining length first and throws a
/// `TensorIOError` naming the file when the bytes run out, so parsers never index past the end.
struct ByteReader {
    let data: Data
    let path: String
    /// Offset of the next byte, relative to the start of `data`.
    private(set) var offset: Int = 0

    init(_ data: Data, path: String) {
        self.data = data
        self.path = path
    }

    var count: Int { data.count }
    var remaining: Int { data.count - offset }
    var isAtEnd: Bool { offset >= data.count }

    func truncated(_ what: String, needed: Int) -> TensorIOError {
        TensorIOError(path: path, "truncated \(what): needs \(needed) bytes at offset \(offset), \(remaining) left")
    }

    mutating func require(_ n: Int, _ what: String) throws {
        guard n >= 0, n <= remaining else { throw truncated(what, needed: n) }
    }

    mutating func skip(_ n: Int, _ what: String) throws {
        try require(n, what)
        offset += n
    }

    mutating func seek(to position: Int, _ what: String) throws {
        guard position >= 0, position <= data.count else {
            throw TensorIOError(path: path, "\(what) at offset \(position) is outside the file (\(data.count) bytes)")
        }
        offset = position
    }

    mutating func uint8(_ what: String) throws -> UInt8 {
        try require(1, what)
        defer { offset += 1 }
        return data[data.startIndex + offset]
    }

    /// Reads an unsigned little-endian integer of `width` bytes (at most 8).
    mutating func uintLE(_ width: Int, _ what: String) throws -> UInt64 {
        try require(width, what)
        var value: UInt64 = 0
        let base = data.startIndex + offset
        for i in 0..<width { value |= UInt64(data[base + i]) << (8 * UInt64(i)) }
        offset += width
        return value
    }

    mutating func uint16LE(_ what: String) throws -> UInt16 { UInt16(truncatingIfNeeded: try uintLE(2, what)) }
    mutating func uint32LE(_ what: String) throws -> UInt32 { UInt32(truncatingIfNeeded: try uintLE(4, what)) }
    mutating func uint64LE(_ what: String) throws -> UInt64 { try uintLE(8, what) }
    mutating func int32LE(_ what: String) throws -> Int32 { Int32(bitPattern: try uint32LE(what)) }
    mutating func int64LE(_ what: String) throws -> Int64 { Int64(bitPattern: try uint64LE(what)) }

    /// A copy of the next `n` bytes, re-based at index 0.
    mutating func bytes(_ n: Int, _ what: String) throws -> Data {
        try require(n, what)
        let start = data.startIndex + offset
        offset += n
        return Data(data[start..<(start + n)])
    }

    /// The range of the next `n` bytes, relative to the start of `data`, without copying them.
    mutating func range(_ n: Int, _ what: String) throws -> Range<Int> {
        try require(n, what)
        defer { offset += n }
        return offset..<(offset + n)
    }

    /// The bytes up to (not including) the next newline, which is consumed; at most `limit` bytes are scanned.
    mutating func line(limit: Int, _ what: String) throws -> Data {
        let end = min(remaining, limit)
        let base = data.startIndex + offset
        for i in 0..<end where data[base + i] == UInt8(ascii: "\n") {
            let line = Data(data[base..<(base + i)])
            offset += i + 1
            return line
        }
        throw TensorIOError(path: path, "\(what): no end of line within \(limit) bytes at offset \(offset)")
    }
}
