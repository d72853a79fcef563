import Foundation
import Torch

/// How a `train` process takes part in data-parallel training, as values (the CLI maps its flags here; see
/// docs/DISTRIBUTED.md): alone, as the starter of `processes` local ranks of the same command, or as the rank that
/// torchrun's environment describes.
public struct DistributedLaunch: Sendable {
    /// Local ranks to start (nil: not asked; 1 is one ordinary process).
    public var processes: Int?
    /// Collective backend name (nil: by device).
    public var backend: String?
    /// Seconds a rank waits for the others at a collective before failing.
    public var timeout: TimeInterval = 600

    /// The backend names `backend` may take.
    public static var backendNames: [String] { CollectiveBackend.allCases.map(\.rawValue) }

    public init() {}

    /// With `processes` N > 1: starts N ranks of this executable with `arguments` (each failure line of a rank
    /// prefixed with `errorLinePrefix`), waits for them and returns nil (this process trained nothing). Otherwise
    /// the job's distribution settings: one process, or the rank torchrun's environment describes (on CUDA, rank r
    /// takes cuda:LOCAL_RANK, which `device` is updated to).
    public func start(seed: UInt64, device: inout Device, arguments: [String],
                      errorLinePrefix: String) throws -> DistributedTraining? {
        let environment = ProcessInfo.processInfo.environment
        var settings = DistributedTraining(backend: backend.flatMap(CollectiveBackend.init(rawValue:)), timeout: timeout,
                                           seed: seed)
        switch try DistributedStart.decide(processes: processes, environment: environment) {
        case .singleProcess:
            return settings
        case .launch(let processes):
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            var launcher = LocalLauncher(executable: executable, arguments: arguments, processes: processes)
            launcher.errorLinePrefix = errorLinePrefix
            try launcher.run()
            return nil
        case .rank(let place):
            if case .cuda = device { device = .cuda(place.localRank) }
            settings.environment = place
            return settings
        }
    }
}
