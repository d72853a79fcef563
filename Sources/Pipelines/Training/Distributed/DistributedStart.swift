import Foundation

/// What a `train` job does about distribution, decided once at start from values (the CLI maps its flags here):
/// run alone, start N local ranks of the same command (`processes`), or be one rank of a job someone else
/// started (torchrun's environment).
public enum DistributedStart: Equatable {
    /// No distributed environment and no local launch asked: one ordinary process.
    case singleProcess
    /// This process only starts `processes` ranks running `arguments` and waits for them.
    case launch(processes: Int)
    /// This process is one rank.
    case rank(DistributedEnvironment)

    /// `processes`: the number of local ranks asked for (nil when not asked). `environment`: this process's
    /// environment variables. Asking for a local launch from inside a rank is refused: it would nest jobs.
    public static func decide(processes: Int?, environment: [String: String]) throws -> DistributedStart {
        let place = try DistributedEnvironment.from(environment)
        if let processes {
            guard processes >= 1 else { throw PipelineError("the number of processes must be at least 1 (got \(processes))") }
            if let place {
                throw PipelineError("a local launch of \(processes) processes was asked for inside rank \(place.rank) of a " +
                                       "distributed run (WORLD_SIZE=\(place.worldSize) is set): use one or the other")
            }
            return processes == 1 ? .singleProcess : .launch(processes: processes)
        }
        guard let place else { return .singleProcess }
        return place.worldSize == 1 ? .singleProcess : .rank(place)
    }
}
