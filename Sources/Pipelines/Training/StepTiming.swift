import Dispatch
import Foundation

/// Wall-clock figures of a data-parallel run, for the one summary line it prints at its end: seconds per step,
/// images per second of the global batch, and the time this process spent in the gradient all-reduce
/// (`DataParallelism.allReduceSeconds`: measured around the collectives, not estimated). A step is timed from
/// drawing its batch to the end of its optimiser steps; samples and checkpoints are not in it. The first step is
/// left out when there are later ones: it pays for first allocations and the collectives' first connections.
struct StepTiming {
    private var steps: [(seconds: Double, allReduce: Double)] = []
    private var started: UInt64 = 0
    private var allReduceAtStart: Double = 0

    /// Call before drawing a step's batch, with the process's all-reduce total so far.
    mutating func begin(allReduceSeconds: Double) {
        started = DispatchTime.now().uptimeNanoseconds
        allReduceAtStart = allReduceSeconds
    }

    /// Call after the step's training, with the all-reduce total now.
    mutating func end(allReduceSeconds: Double) {
        record(seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9,
               allReduce: allReduceSeconds - allReduceAtStart)
    }

    /// One step's wall time and the part of it spent in the all-reduce.
    mutating func record(seconds: Double, allReduce: Double) {
        steps.append((seconds, allReduce))
    }

    /// The steps the figures are over: all but the first when there are several.
    private var timed: ArraySlice<(seconds: Double, allReduce: Double)> { steps.count > 1 ? steps.dropFirst() : steps[...] }

    /// Mean seconds per timed step, and mean all-reduce seconds per timed step.
    var means: (step: Double, allReduce: Double)? {
        let t = timed
        guard !t.isEmpty else { return nil }
        return (t.map(\.seconds).reduce(0, +) / Double(t.count), t.map(\.allReduce).reduce(0, +) / Double(t.count))
    }

    /// e.g. "rank 0 of 2: 0.412 s/step, 77.7 images/s (global batch 32), gradient all-reduce 4.1 ms/step (1.0% of
    /// a step); 11 steps timed, the first left out".
    func summary(rank: Int, worldSize: Int, globalBatch: Int) -> String? {
        guard let m = means, m.step > 0 else { return nil }
        let skipped = steps.count > 1 ? ", the first left out" : ""
        return String(format: "rank %d of %d: %.3f s/step, %.1f images/s (global batch %d), gradient all-reduce " +
                          "%.1f ms/step (%.1f%% of a step); %d step%@ timed%@",
                      rank, worldSize, m.step, Double(globalBatch) / m.step, globalBatch, m.allReduce * 1000,
                      100 * m.allReduce / m.step, timed.count, timed.count == 1 ? "" : "s", skipped)
    }
}
