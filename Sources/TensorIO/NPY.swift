import Foundation

/// numpy's `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html): the magic
/// `\x93NUMPY`, a version, a header length, a Python-literal header dict (`descr`, `fortran_order`, `shape`), then
/// the raw array. Used for latents, editing directions and raw image tensors.
public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// Readers accept headers up to this size; numpy itself refuses more than 10 000 bytes by default, and our
    /// dtypes never need long headers.
    static let maxHeaderSize = 100_000

    /// The numpy `descr` for each supported element type. bfloat16 has no numpy type.
    static func descr(for type: ScalarType) -> String? {
        switch type {
        case .float64: return "<f8"
        case .float32: return "<f4"
        case .float16: return "<f2"
        case .bfloat16: return nil
        case .int64: return "<i8"
        case .int32: return "<i4"
        case .int16: return "<i2"
        case .int8: return "|i1"
        case .uint8: return "|u1"
        case .bool: return "|b1"
        }
    }

    static func scalarType(forDescr descr: String) -> ScalarType? {
        ScalarType.allCases.first { Self.descr(for: $0) == descr }
    }

    /// Reads a `.npy` file.
    public static func read(_ url: URL) throws -> HostTensor {
        try decode(readMappedFile(url), path: url.path)
    }

    /// Decodes `.npy` bytes; `path` names them in errors.
    public static func decode(_ data: Data, path: String = TensorIOError.inMemoryPath) throws -> HostTensor {
        func fail(_ message: String) -> TensorIOError { TensorIOError(path: path, message) }
        var reader = ByteReader(data, path: path)
        let magic = [UInt8](try reader.bytes(6, ".npy magic"))
        guard magic == Self.magic else { throw fail("not a .npy file (bad magic)") }
        let major = try reader.uint8(".npy version")
        let minor = try reader.uint8(".npy version")
        let headerLength: Int
        let utf8Header: Bool
        switch (major, minor) {
        case (1, 0): headerLength = Int(try reader.uint16LE(".npy header length")); utf8Header = false
        case (2, 0): headerLength = Int(try reader.uint32LE(".npy header length")); utf8Header = false
        case (3, 0): headerLength = Int(try reader.uint32LE(".npy header length")); utf8Header = true
        default: throw fail("unsupported .npy version \(major).\(minor)")
        }
        guard headerLength <= reader.remaining else {
            throw fail("header length \(headerLength) runs past the end of the file (\(data.count) bytes)")
        }
        guard headerLength <= Self.maxHeaderSize else {
            throw fail("header length \(headerLength) exceeds the \(Self.maxHeaderSize)-byte limit")
        }
        let headerBytes = try reader.bytes(headerLength, ".npy header")
        let headerText: String
        if utf8Header {
            guard let s = String(bytes: headerBytes, encoding: .utf8) else { throw fail("header is not valid UTF-8") }
            headerText = s
        } else {
            headerText = String(headerBytes.map { Character(Unicode.Scalar($0)) })  // latin-1
        }

        let (scalarType, shape) = try parseHeader(headerText, fail: fail)
        guard let byteCount = HostTensor.byteCount(shape: shape, scalarType: scalarType) else {
            throw fail("shape \(shape) is too large")
        }
        guard reader.remaining == byteCount else {
            throw fail(reader.remaining < byteCount
                ? "truncated data: \(scalarType.rawValue) \(shape) needs \(byteCount) bytes, file has \(reader.remaining)"
                : "\(reader.remaining - byteCount) unexpected bytes after the array data")
        }
        let tensor = HostTensor(scalarType: scalarType, shape: shape, bytes: try reader.bytes(byteCount, ".npy data"))
        try FiniteValues.check(tensor, label: "the array", path: path)
        return tensor
    }

    private static func parseHeader(_ text: String,
                                    fail: (String) -> TensorIOError) throws -> (ScalarType, [Int]) {
        let literal: PythonLiteral
        do { literal = try PythonLiteral.parse(text) } catch let failure as PythonLiteral.Failure {
            throw fail("malformed header: \(failure.message)")
        }
        guard case .dict(let pairs) = literal else { throw fail("header is not a dict") }
        var fields: [String: PythonLiteral] = [:]
        for (key, value) in pairs {
            guard case .string(let name) = key else { throw fail("header has a non-string key") }
            fields[name] = value
        }
        guard Set(fields.keys) == ["descr", "fortran_order", "shape"] else {
            throw fail("header keys are \(fields.keys.sorted()), expected descr, fortran_order, shape")
        }
        guard case .string(let descr)? = fields["descr"] else {
            throw fail("header descr is not a string (structured dtypes are not supported)")
        }
        guard case .bool(let fortranOrder)? = fields["fortran_order"] else { throw fail("header fortran_order is not a bool") }
        guard !fortranOrder else {
            throw fail("Fortran-ordered arrays are not supported; save a C-contiguous array (np.ascontiguousarray)")
        }
        guard case .tuple(let dims)? = fields["shape"] else { throw fail("header shape is not a tuple") }
        let shape = try dims.map { dim -> Int in
            guard case .int(let n) = dim, n >= 0 else { throw fail("header shape holds an invalid dimension") }
            return n
        }
        if descr.hasPrefix(">") {
            throw fail("big-endian dtype '\(descr)' is not supported; save with a little-endian dtype")
        }
        guard let scalarType = scalarType(forDescr: descr) else { throw fail("unsupported dtype '\(descr)'") }
        return (scalarType, shape)
    }

    /// The bytes of a `.npy` file holding `tensor`: version 1.0, or 2.0 if the header does not fit 1.0's 64 KiB.
    /// The header is laid out exactly as numpy writes it (sorted keys, room to grow the first axis, padded with
    /// spaces and a newline so the data starts at a multiple of 64 bytes).
    public static func encode(_ tensor: HostTensor) throws -> Data {
        try header(for: tensor, path: TensorIOError.inMemoryPath) + tensor.bytes
    }

    /// Writes `tensor` to `url` as `.npy`, atomically.
    public static func write(_ tensor: HostTensor, to url: URL) throws {
        let header = try header(for: tensor, path: url.path)
        try AtomicFile.write(to: url) { sink in
            try sink.write(header)
            try sink.write(tensor.bytes)
        }
    }

    private static func header(for tensor: HostTensor, path: String) throws -> Data {
        guard let descr = descr(for: tensor.scalarType) else {
            throw TensorIOError(path: path, "\(tensor.scalarType.rawValue) has no .npy dtype; convert to float32 first")
        }
        let shape: String
        switch tensor.shape.count {
        case 0: shape = "()"
        case 1: shape = "(\(tensor.shape[0]),)"
        default: shape = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        // numpy leaves room to rewrite the first dimension in place (up to 21 digits) when appending to a file.
        if let first = tensor.shape.first { dict += String(repeating: " ", count: max(0, 21 - String(first).count)) }
        for (major, lengthBytes) in [(UInt8(1), 2), (UInt8(2), 4)] {
            let unpadded = magic.count + 2 + lengthBytes + dict.utf8.count + 1
            let total = unpadded + 64 - unpadded % 64  // numpy pads by 1...64 bytes, never 0
            let headerLength = total - magic.count - 2 - lengthBytes
            if lengthBytes == 2 && headerLength > Int(UInt16.max) { continue }
            var data = Data(magic)
            data.append(contentsOf: [major, 0])
            let length = UInt32(headerLength)
            data.append(contentsOf: (0..<lengthBytes).map { UInt8(truncatingIfNeeded: length >> (8 * UInt32($0))) })
            data.append(contentsOf: Array(dict.utf8))
            data.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: total - data.count - 1))
            data.append(UInt8(ascii: "\n"))
            return data
        }
        throw TensorIOError(path: path, "shape \(tensor.shape) makes a .npy header too long")
    }
}
