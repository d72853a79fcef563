import CTorch
import Foundation
import TensorIO

extension Tensor {
    /// Converts to another dtype and/or device.
    public func to(_ dtype: DType? = nil, device: Device? = nil) -> Tensor {
        let d = dtype ?? self.dtype
        let dev = device ?? self.device
        return unaryCall { ct_to($0, d.rawValue, dev.code) }
    }
    public func to(device: Device) -> Tensor { to(nil, device: device) }
    public func contiguous() -> Tensor { unaryCall { ct_contiguous($0) } }
    public func clone() -> Tensor { unaryCall { ct_clone($0) } }

    /// The elements as raw little-endian bytes of `dtype`, C order, copied to the host.
    public func hostBytes(as dtype: DType) -> Data {
        let n = count * dtype.byteWidth
        var data = Data(count: n)
        withExtendedLifetime(self) {
            let status = data.withUnsafeMutableBytes { ct_copy_to_host(handle, dtype.rawValue, $0.baseAddress, n) }
            check(status, "copy to host")
        }
        return data
    }

    /// The elements as Floats, C order.
    public func floats() -> [Float] {
        let n = count
        var out = [Float](repeating: 0, count: n)
        withExtendedLifetime(self) {
            let status = out.withUnsafeMutableBytes { ct_copy_to_host(handle, DType.float32.rawValue, $0.baseAddress, n * 4) }
            check(status, "copy to host")
        }
        return out
    }

    /// The elements as Doubles, C order.
    public func doubles() -> [Double] {
        let n = count
        var out = [Double](repeating: 0, count: n)
        withExtendedLifetime(self) {
            let status = out.withUnsafeMutableBytes { ct_copy_to_host(handle, DType.float64.rawValue, $0.baseAddress, n * 8) }
            check(status, "copy to host")
        }
        return out
    }

    /// The elements as Int64s, C order.
    public func int64s() -> [Int64] {
        let n = count
        var out = [Int64](repeating: 0, count: n)
        withExtendedLifetime(self) {
            let status = out.withUnsafeMutableBytes { ct_copy_to_host(handle, DType.int64.rawValue, $0.baseAddress, n * 8) }
            check(status, "copy to host")
        }
        return out
    }

    /// The value of a one-element tensor.
    public func item() -> Double {
        withExtendedLifetime(self) {
            let v = ct_item(handle)
            if ct_last_error() != nil { ErrorScope.fail("item") }
            return v
        }
    }

    /// A tensor with the contents of a file-format tensor.
    public convenience init(_ host: HostTensor, device: Device = .cpu) {
        self.init(owning: host.bytes.withUnsafeBytes {
            Tensor.hostHandle($0, dtype: DType(host.scalarType), shape: host.shape, device: device)
        })
    }

    /// The contents as a file-format tensor (on the host, C order).
    public func hostTensor(as dtype: DType? = nil) -> HostTensor {
        let d = dtype ?? self.dtype
        return HostTensor(scalarType: d.scalarType, shape: shape, bytes: hostBytes(as: d))
    }
}
