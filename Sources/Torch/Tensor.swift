import CTorch

/// An n-dimensional array on a device, with autograd: one libtorch tensor.
///
/// The class owns exactly one shim handle and frees it in `deinit`. The handle never leaves this module's
/// operations: every call that passes it to C runs inside `withExtendedLifetime` of its owners, because Swift may
/// release an object right after its last use and a temporary's handle would otherwise dangle.
public final class Tensor {
    private(set) var handle: OpaquePointer

    init(owning handle: OpaquePointer) { self.handle = handle }

    /// Makes this object refer to `other`'s tensor (sharing its storage and autograd state), releasing its own.
    /// Every holder of this object then sees the new contents: `Module.to(device:)` moves parameters this way.
    public func rebind(to other: Tensor) {
        withExtendedLifetime(other) {
            guard let alias = ct_alias(other.handle) else { ErrorScope.fail("rebind"); return }
            ct_free(handle)
            handle = alias
        }
    }

    /// Wraps the result of a tensor-returning shim call; on failure records or traps (see `withTorchErrors`).
    static func wrap(_ result: OpaquePointer?, _ what: @autoclosure () -> String = "") -> Tensor {
        if let result { return Tensor(owning: result) }
        ErrorScope.fail(what())
        return Tensor(owning: ct_undefined())
    }

    deinit { ct_free(handle) }

    /// Whether this tensor holds data (false only for the result of a failed operation in a `withTorchErrors` scope).
    public var isDefined: Bool { withExtendedLifetime(self) { ct_is_defined(handle) != 0 } }

    public var shape: [Int] {
        withExtendedLifetime(self) {
            var buffer = [Int64](repeating: 0, count: 16)
            var n = ct_sizes(handle, &buffer, 16)
            if n < 0 { ct_clear_error(); return [] }
            if n > 16 {
                buffer = [Int64](repeating: 0, count: Int(n))
                n = ct_sizes(handle, &buffer, n)
            }
            return buffer.prefix(Int(n)).map { Int($0) }
        }
    }

    public var strides: [Int] {
        withExtendedLifetime(self) {
            var buffer = [Int64](repeating: 0, count: 64)
            let n = ct_strides(handle, &buffer, 64)
            if n < 0 { ct_clear_error(); return [] }
            return buffer.prefix(Int(n)).map { Int($0) }
        }
    }

    public var rank: Int { shape.count }
    public var count: Int { withExtendedLifetime(self) { Int(Swift.max(ct_numel(handle), 0)) } }

    /// The size of dimension `d` (negative counts from the end).
    public func size(_ d: Int) -> Int {
        let s = shape
        return s[d < 0 ? d + s.count : d]
    }

    public var dtype: DType {
        withExtendedLifetime(self) {
            let code = ct_dtype(handle)
            if code < 0 { ct_clear_error(); return .float32 }
            return DType(rawValue: code) ?? .float32
        }
    }

    public var device: Device { withExtendedLifetime(self) { Device(code: ct_device(handle)) } }
    public var isContiguous: Bool { withExtendedLifetime(self) { ct_is_contiguous(handle) == 1 } }
}

// MARK: - Calling the shim

extension Tensor {
    /// Runs a shim call on this tensor's handle, keeping `self` alive across it.
    @inline(__always)
    func unaryCall(_ f: (OpaquePointer) -> OpaquePointer?) -> Tensor {
        withExtendedLifetime(self) { Tensor.wrap(f(handle)) }
    }

    @inline(__always)
    func binaryCall(_ other: Tensor, _ f: (OpaquePointer, OpaquePointer) -> OpaquePointer?) -> Tensor {
        withExtendedLifetime(self) { withExtendedLifetime(other) { Tensor.wrap(f(handle, other.handle)) } }
    }

    /// Runs `body` with the handles of `tensors`, all kept alive across the call.
    static func withHandles<R>(_ tensors: [Tensor], _ body: ([OpaquePointer?]) -> R) -> R {
        withExtendedLifetime(tensors) { body(tensors.map { $0.handle }) }
    }

    /// Runs `body` with the handle of an optional tensor (nil → NULL), kept alive across the call.
    static func withOptional<R>(_ t: Tensor?, _ body: (OpaquePointer?) -> R) -> R {
        withExtendedLifetime(t) { body(t?.handle) }
    }
}

/// Converts a Swift shape to the shim's int64 list.
@inline(__always)
func shimInts(_ values: [Int]) -> [Int64] { values.map { Int64($0) } }
