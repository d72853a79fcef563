import Dispatch
import Foundation
import Torch

/// One process's membership in a data-parallel training job: the rendezvous, the c10d process group, the random
/// streams, and what the training loop's seam asks of it (`DataParallelism`) — start every rank from rank 0's
/// weights, average the gradients after backward, let only rank 0 write; the loop slices the global batch.
///
/// Semantics: `--batch B` is per process; the global batch of step k is the N·B images one process with
/// `--batch N·B` takes at step k, rank r holding rows r·B ..< (r+1)·B. Each rank's loss is a mean over its B rows,
/// so the mean of the ranks' gradients is the gradient of the global mean: the same update as one process, up to
/// floating-point summation order. Batch norm layers normalise with the global batch's statistics (synchronised,
/// forward and backward), which ordinary per-rank batch norm would not.
///
/// Gradients are all-reduced after backward, in ~25 MiB buckets all in flight at once, not overlapped with the
/// backward pass. libtorch 1.13's C++ `c10d::Reducer` could overlap them through autograd hooks, but it assumes one
/// backward per iteration over a fixed parameter set (or a graph search for unused ones), while our steps run
/// several backward passes and `autograd.grad` calls per step (StyleGAN2's D/G/regularisers, R1) and update
/// different networks in turn; averaging once between backward and each optimiser step is right for all of them.
public final class DataParallel {
    public let environment: DistributedEnvironment
    public let group: ProcessGroup
    public let streams: RankRandomStreams
    public let bucketBytes: Int
    /// Wall time spent in `averageGradients(of:)` and `averageValues(of:)` so far (the training loop's summary).
    public private(set) var allReduceSeconds: Double = 0

    public var rank: Int { environment.rank }
    public var worldSize: Int { environment.worldSize }

    /// Joins the job described by `environment`: rendezvous through the TCP store (rank 0 hosts it), check that
    /// every rank got the same `configuration` text, create the process group, derive this rank's random stream
    /// from the run's `seed` (the shared generator, seeded by the job, is not touched).
    /// `timeout` bounds the rendezvous and every later collective, so a dead rank never leaves the others waiting.
    /// Batch norm in training then uses statistics over the global batch (`ProcessGroup.synchronizesBatchNorm`).
    public init(environment: DistributedEnvironment, configuration: String, seed: UInt64,
                backend: CollectiveBackend, timeout: TimeInterval,
                bucketBytes: Int = ProcessGroup.defaultBucketBytes) throws {
        guard backend.isAvailable else {
            throw PipelineError("the \(backend.rawValue) backend is not available in this build of libtorch")
        }
        let store = try DistributedStore(host: environment.masterAddress, port: environment.storePort,
                                         worldSize: environment.worldSize, isServer: environment.rank == 0,
                                         timeout: timeout)
        try ConfigurationAgreement.check(configuration, rank: environment.rank, worldSize: environment.worldSize,
                                         store: store)
        group = try ProcessGroup(store: store, backend: backend, rank: environment.rank,
                                 size: environment.worldSize, timeout: timeout)
        group.synchronizesBatchNorm = true
        // A peer lost inside an operation (synchronised batch norm) cannot be thrown from there: end this rank with
        // one line, as a thrown error would (the CLI's "Error: " line, which `LocalLauncher` quotes).
        let rank = environment.rank
        unscopedFailure.handler = { message in
            FileHandle.standardError.write(Data("Error: rank \(rank): \(message)\n".utf8))
            exit(1)
        }
        self.environment = environment
        self.bucketBytes = bucketBytes
        streams = RankRandomStreams(seed: seed, rank: environment.rank)
    }

    /// Gives every rank rank 0's values of `tensors` (parameters and buffers, before the first step).
    public func broadcastFromRankZero(_ tensors: [Tensor]) throws {
        try group.broadcast(tensors, from: 0, bucketBytes: bucketBytes)
    }

    /// Replaces the gradient of every parameter that has one by its mean over the ranks (bucketed all-reduce).
    /// Called after backward, before the optimiser step. Every rank must reach it with gradients on the same
    /// parameters; the shim checks that and fails with a message otherwise.
    public func averageGradients(of parameters: [Tensor]) throws {
        let grads = parameters.compactMap(\.grad)
        try timed { try group.allReduceMean(grads, bucketBytes: bucketBytes) }
    }

    /// Replaces each tensor by its mean over the ranks (running statistics besides the weights).
    public func averageValues(of tensors: [Tensor]) throws {
        try timed { try group.allReduceMean(tensors, bucketBytes: bucketBytes) }
    }

    /// Runs a collective, adding its wall time to `allReduceSeconds`.
    private func timed(_ collective: () throws -> Void) rethrows {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { allReduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        try collective()
    }

    /// Waits until every rank is here.
    public func barrier() throws { try group.barrier() }
}
