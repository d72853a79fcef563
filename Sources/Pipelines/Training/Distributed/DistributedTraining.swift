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
    /// The run's seed (every rank seeds libtorch with it; each rank's own stream derives from it).
    public var seed: UInt64 = 0

    public init(environment: DistributedEnvironment? = nil, backend: CollectiveBackend? = nil, timeout: TimeInterval = 600,
                seed: UInt64 = 0) {
        self.environment = environment
        self.backend = backend
        self.timeout = timeout
        self.seed = seed
    }

    /// The number of processes sharing the global batch.
    public var worldSize: Int { environment?.worldSize ?? 1 }

    /// Joins the job, or returns `SingleProcess` when this is one process. `job`: what every rank must agree on
    /// (the verb, paths, steps — by name) and `options` (the model's training options); the seed is added.
    /// `device`: where this rank trains (it picks the default backend).
    public func join(job: [String: String], options: some Encodable, device: Device) throws -> DataParallelism {
        guard let environment, environment.worldSize > 1 else { return SingleProcess() }
        guard timeout > 0 else { throw PipelineError("the collective timeout must be positive (got \(timeout) s)") }
        var fields = job
        fields["seed"] = String(seed)
        let text = fields.keys.sorted().map { "\($0): \(fields[$0]!)" }.joined(separator: "\n") + "\n" +
            (try ConfigurationAgreement.canonicalText(options))
        return try DataParallel(environment: environment, configuration: text, seed: seed,
                                backend: backend ?? .default(for: device), timeout: timeout)
    }
}
