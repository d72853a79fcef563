import Foundation

extension HostTensor {
    /// This tensor with its floating-point elements stored as `type` (`.float16` or `.float32`), each rounded to the
    /// nearest value of `type`, ties to even. Integer and boolean tensors, and tensors already of `type`, come back
    /// unchanged. An element that is NaN, infinite or beyond the largest finite value of `type` is refused with one
    /// line naming `label` (e.g. "tensor 'decoder.conv1.bias'") in the file `path`: storing it would write infinity.
    public func storingFloats(as type: ScalarType, label: String, path: String) throws -> HostTensor {
        precondition(type == .float16 || type == .float32, "storingFloats: \(type) is not a storage type")
        guard scalarType.isFloatingPoint, scalarType != type else { return self }
        let limit = type == .float16 ? HalfPrecision.greatestFiniteMagnitude : Double(Float.greatestFiniteMagnitude)
        let values = doubles()
        for (i, v) in values.enumerated() where !(v.magnitude <= limit) {
            let name = type == .float16 ? "float16" : "float32"
            let beyond = v.isFinite ? ", beyond \(name)'s ±\(String(format: "%g", limit))" : ""
            let what = v.isNaN ? "NaN" : v.isInfinite ? "\(v > 0 ? "+" : "-")infinity" : "\(v)"
            throw TensorIOError(path: path, "\(label) holds \(what) at element \(i)\(beyond): cannot store it as \(name)")
        }
        var bytes = Data(count: values.count * type.byteWidth)
        bytes.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                if type == .float16 {
                    raw.storeBytes(of: HalfPrecision.bits(nearestTo: v).littleEndian, toByteOffset: i * 2, as: UInt16.self)
                } else {
                    raw.storeBytes(of: Float(v).bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                }
            }
        }
        return HostTensor(scalarType: type, shape: shape, bytes: bytes)
    }

    /// The elements as Double: exact for every floating-point type (float64 read directly, the others widened).
    private func doubles() -> [Double] {
        guard scalarType == .float64 else { return floats().map(Double.init) }
        return bytes.withUnsafeBytes { raw in
            (0..<elementCount).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }
}
