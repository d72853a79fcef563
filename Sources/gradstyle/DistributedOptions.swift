import ArgumentParser
import Foundation
import Pipelines

/// The data-parallel flags every `train` verb takes (see docs/DISTRIBUTED.md). Under torchrun's environment the
/// command is one rank of the job without any of them; `--nproc N` makes this process start N ranks itself.
struct DistributedOptions: ParsableArguments {
    @Option(parsing: .unconditional,
            help: "Start N local processes of this command as one data-parallel job (--batch is per process).")
    var nproc: Int?

    @Option(help: "Collective backend of a data-parallel run: gloo (CPU) or nccl (CUDA) (default: by device).")
    var backend: String?

    @Option(parsing: .unconditional, help: "Seconds a rank waits for the others at a collective before failing.")
    var distTimeout: Double = 600

    func validate() throws {
        try OptionCheck.int(nproc, "--nproc", 1...1024)
        if let backend, !DistributedLaunch.backendNames.contains(backend) {
            throw ValidationError("invalid --backend '\(backend)': expected \(DistributedLaunch.backendNames.joined(separator: " or "))")
        }
        try OptionCheck.positive(distTimeout, "--dist-timeout", max: 86_400)
    }

    /// Applies the global flags and sets what every `train` verb's flags say of the run: the device (updated for the
    /// rank, see `DistributedLaunch`), the distribution settings, `resume` and `--quiet`. With `--nproc N` (N > 1):
    /// starts the ranks, waits for them and returns false (this process trains nothing).
    func start(_ run: inout TrainingRun, global: GlobalOptions, resume: Bool) throws -> Bool {
        var device = try global.apply()
        var launch = DistributedLaunch()
        launch.processes = nproc
        launch.backend = backend
        launch.timeout = distTimeout
        guard let distributed = try launch.start(seed: global.seed, device: &device,
                                                 arguments: Self.removingNproc(Array(CommandLine.arguments.dropFirst())),
                                                 errorLinePrefix: "Error: ")  // what GradStyleCommand.main prints a failure with
        else { return false }
        run.device = device
        run.distributed = distributed
        run.resume = resume
        run.quiet = global.quiet
        return true
    }

    /// The command line without `--nproc N` / `--nproc=N`, for the ranks.
    static func removingNproc(_ arguments: [String]) -> [String] {
        var kept: [String] = []
        var skipNext = false
        for a in arguments {
            if skipNext { skipNext = false; continue }
            if a == "--nproc" { skipNext = true; continue }
            if a.hasPrefix("--nproc=") { continue }
            kept.append(a)
        }
        return kept
    }
}
