import CTorch
import Foundation

/// A key-value store shared by the processes of one distributed job: c10d's TCPStore. Rank 0 hosts it at
/// MASTER_ADDR (on MASTER_PORT, or the next port under torchrun's agent), the others connect; process groups rendezvous through it, and the job uses it to
/// exchange small facts (a hash of each rank's configuration).
public final class DistributedStore {
    let handle: OpaquePointer
    public let host: String
    public let port: Int

    /// Hosts (`isServer`) or joins the store. Joining retries until `timeout`; nobody waits for the other ranks
    /// here (creating a `ProcessGroup` does). `timeout` also bounds every `get`. A `keyPrefix` is put before
    /// every key (c10d's PrefixStore, for a store shared with other users).
    public init(host: String, port: Int, worldSize: Int, isServer: Bool, timeout: TimeInterval,
                keyPrefix: String? = nil) throws {
        ct_clear_error()
        guard let h = ct_store_tcp_new(host, Int32(port), Int32(worldSize), isServer ? 1 : 0,
                                       Int64(timeout * 1000), keyPrefix) else {
            throw TorchError("rendezvous at \(host):\(port): \(takeShimError() ?? "store failed")")
        }
        handle = h
        self.host = host
        self.port = port
    }

    deinit { ct_store_free(handle) }

    public func set(_ key: String, _ value: [UInt8]) throws {
        let status = value.withUnsafeBufferPointer { ct_store_set(handle, key, $0.baseAddress, Int64($0.count)) }
        if status < 0 { throw TorchError("store set \(key): \(takeShimError() ?? "failed")") }
    }

    /// The value at `key`, waiting for another process to set it (up to the store's timeout).
    public func get(_ key: String) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 256)
        var n = ct_store_get(handle, key, &buffer, Int64(buffer.count))
        if n > Int64(buffer.count) {
            buffer = [UInt8](repeating: 0, count: Int(n))
            n = ct_store_get(handle, key, &buffer, n)
        }
        if n < 0 { throw TorchError("store get \(key): \(takeShimError() ?? "failed")") }
        return Array(buffer.prefix(Int(n)))
    }

    /// Adds `delta` to the counter at `key` (starting at 0) and returns the new value.
    @discardableResult
    public func add(_ key: String, _ delta: Int) throws -> Int {
        let n = ct_store_add(handle, key, Int64(delta))
        if n < 0 && ct_last_error() != nil { throw TorchError("store add \(key): \(takeShimError() ?? "failed")") }
        return Int(n)
    }
}
