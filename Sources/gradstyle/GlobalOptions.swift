import ArgumentParser
import Pipelines

/// Options every verb takes: where to run, how many threads, the seed, and how much to print.
struct GlobalOptions: ParsableArguments {
    @Option(help: "auto, cpu, cuda or cuda:N.")
    var device: String = "auto"

    // `.unconditional` so that `--threads -3` reaches validation (and its message) instead of being read as a flag.
    @Option(parsing: .unconditional,
            help: "Intra-op CPU threads for libtorch, 1 to 4 × the cores (at least 64) (default: every core, with threads that sleep while they wait; OMP_WAIT_POLICY or OMP_NUM_THREADS, if set, decide instead).")
    var threads: Int?

    @Option(help: "Seed for libtorch's generator: same seed + same device = same output.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional,
            help: "Largest image (width × height) read; checked from the file's header before decoding.")
    var maxPixels: Int = RuntimeSettings.defaultMaxPixels

    @Flag(help: "Allow TF32 in CUDA fp32 convolutions and matrix products (faster, ~1e-3 relative error; default: full fp32).")
    var tf32 = false

    @Flag(help: "Print only results and errors.")
    var quiet = false

    func validate() throws {
        try OptionCheck.int(threads, "--threads", 1...OptionCheck.maxThreads)
        try OptionCheck.int(maxPixels, "--max-pixels", 1...(1 << 40))
        try RuntimeSettings.device(named: device)
    }

    /// The runtime settings these flags describe.
    var settings: RuntimeSettings {
        var s = RuntimeSettings()
        s.device = device
        s.threads = threads
        s.seed = seed
        s.maxPixels = maxPixels
        s.tf32 = tf32
        return s
    }

    /// Applies threads, seed, the image limit and TF32, and resolves the device.
    func apply() throws -> ComputeDevice {
        try settings.apply()
    }
}
