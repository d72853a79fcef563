import Foundation
import Torch

/// A training job's distribution settings, as values: which rank this process is (torchrun's environment, nil for
/// one process), the collective backend (nil: NCCL on CUDA, Gloo on the CPU) and the collective timeout.
public struct DistributedTraining: Sendable {
    public var environment: DistributedEnvironment?
    public var backend: CollectiveBackend?
    /// How long any rank waits for the others at a collective before failing (a rank that stopped answering).
    /// Rank 0 writing a checkpoint or samples keeps the others waiting that long at most.
    public var timeout: TimeInterval = 600

    public init(environment: DistributedEnvironment? = nil, backend: CollectiveBackend? = nil, timeout: TimeInterval = 600) {
        self.environment = environment
        self.backend = backend
        self.timeout = timeout
    }

    /// The number of processes sharing the global batch.
    public var worldSize: Int { environment?.worldSize ?? 1 }

    /// Joins the job (nil when this is one process). `configuration`: the canonical text every rank must share;
    /// `seed`: the run's seed; `device`: where this rank trains (it picks the default backend).
    public func join(configuration: String, seed: UInt64, device: Device) throws -> DataParallel? {
        guard let environment, environment.worldSize > 1 else { return nil }
        guard timeout > 0 else { throw DistributedError("the collective timeout must be positive (got \(timeout) s)") }
        return try DataParallel(environment: environment, configuration: configuration, seed: seed,
                                backend: backend ?? .default(for: device), timeout: timeout)
    }
}
