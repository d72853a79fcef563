import CTorch
import Foundation

/// A c10d collective backend: Gloo for CPU tensors, NCCL for CUDA tensors (CUDA builds of libtorch only).
public enum CollectiveBackend: String, CaseIterable, Sendable {
    case gloo, nccl

    var code: Int32 { self == .gloo ? Int32(CT_BACKEND_GLOO.rawValue) : Int32(CT_BACKEND_NCCL.rawValue) }

    /// Whether this build can create process groups of this backend.
    public var isAvailable: Bool { ct_backend_available(code) == 1 }

    /// NCCL for CUDA devices, Gloo for the CPU (PyTorch's default choice).
    public static func `default`(for device: Device) -> CollectiveBackend {
        if case .cuda = device { return .nccl }
        return .gloo
    }
}

/// The processes of one distributed job as c10d sees them: collectives over tensors, every call bounded by the
/// group's timeout so a rank that died makes the others throw instead of waiting for ever.
public final class ProcessGroup {
    let handle: OpaquePointer
    /// Kept alive as long as the group: c10d's backends talk to the store after creation too.
    public let store: DistributedStore
    public let backend: CollectiveBackend
    public let rank: Int
    public let size: Int
    /// Set when a collective failed: the group's peers are gone, so its destructor (which joins c10d's worker
    /// threads and may wait on them) is skipped and the process is expected to exit.
    private var broken = false

    /// PyTorch DDP's default bucket: 25 MiB of gradients per all-reduce.
    public static let defaultBucketBytes = 25 << 20

    public init(store: DistributedStore, backend: CollectiveBackend, rank: Int, size: Int,
                timeout: TimeInterval) throws {
        ct_clear_error()
        guard let h = ct_process_group_new(store.handle, backend.code, Int32(rank), Int32(size),
                                           Int64(timeout * 1000)) else {
            throw TorchError("\(backend.rawValue) process group (rank \(rank) of \(size)): \(takeShimError() ?? "failed")")
        }
        handle = h
        self.store = store
        self.backend = backend
        self.rank = rank
        self.size = size
    }

    deinit { if !broken { ct_process_group_free(handle) } }

    /// In place on every rank: each tensor becomes the sum over ranks times `scale`. The tensors travel packed
    /// into flat buckets of at most `bucketBytes`; every rank must pass the same shapes in the same order.
    public func allReduceSum(_ tensors: [Tensor], scale: Double = 1, bucketBytes: Int = defaultBucketBytes) throws {
        try collective("all-reduce", tensors) { ct_allreduce_sum(handle, $0, $1, Int64(bucketBytes), scale) }
    }

    /// In place: each tensor becomes the mean over ranks (what data-parallel training does to gradients).
    public func allReduceMean(_ tensors: [Tensor], bucketBytes: Int = defaultBucketBytes) throws {
        try allReduceSum(tensors, scale: 1 / Double(size), bucketBytes: bucketBytes)
    }

    /// In place: every rank's tensors take rank `root`'s values (parameters at the start of training).
    public func broadcast(_ tensors: [Tensor], from root: Int = 0, bucketBytes: Int = defaultBucketBytes) throws {
        try collective("broadcast", tensors) { ct_broadcast(handle, $0, $1, Int32(root), Int64(bucketBytes)) }
    }

    /// A new tensor: the sum over ranks of `x`, differentiable (backward sums the gradients over ranks, so each
    /// rank's `x` gets the gradient of every rank's loss). Shared statistics (synchronised batch norm) use it.
    /// Every rank must call it, and later run backward through it, in step. Like other tensor operations it does
    /// not throw: a failure (a dead rank) traps with the message, or is thrown by an enclosing `withTorchErrors`.
    public func summedOverRanks(_ x: Tensor) -> Tensor {
        withExtendedLifetime(x) { Tensor.wrap(ct_allreduce_sum_autograd(handle, x.handle), "all-reduce") }
    }

    /// Whether batch norm in training mode (with gradients recorded) normalises with statistics over every rank's
    /// batch, as PyTorch's SyncBatchNorm, so N ranks × B equal one process with N·B. Process-wide, one group at a
    /// time; every rank must then run the same batch norms in the same order. Inference keeps local statistics.
    public var synchronizesBatchNorm: Bool = false {
        didSet {
            ct_clear_error()
            if ct_set_batch_norm_group(synchronizesBatchNorm ? handle : nil) < 0 {
                fatalError("set batch norm group: \(takeShimError() ?? "failed")")
            }
        }
    }

    /// Returns once every rank has called it.
    public func barrier() throws {
        ct_clear_error()
        if ct_barrier(handle) < 0 { throw fail("barrier") }
    }

    private func collective(_ what: String, _ tensors: [Tensor],
                            _ call: (UnsafePointer<OpaquePointer?>?, Int32) -> Int32) throws {
        ct_clear_error()
        let status = withExtendedLifetime(tensors) {
            let handles: [OpaquePointer?] = tensors.map { $0.handle }
            return handles.withUnsafeBufferPointer { call($0.baseAddress, Int32($0.count)) }
        }
        if status < 0 { throw fail(what) }
    }

    private func fail(_ what: String) -> TorchError {
        broken = true
        return TorchError(takeShimError() ?? "\(what) failed on rank \(rank)")
    }
}
