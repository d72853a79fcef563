import ArgumentParser
import Torch

/// Options every verb takes: where to run, how many threads, the seed, and how much to print.
struct GlobalOptions: ParsableArguments {
    @Option(help: "auto, cpu, cuda or cuda:N.")
    var device: String = "auto"

    @Option(help: "Intra-op CPU threads for libtorch (default: libtorch's choice).")
    var threads: Int?

    @Option(help: "Seed for libtorch's generator: same seed + same device = same output.")
    var seed: UInt64 = 0

    @Flag(help: "Allow TF32 in CUDA fp32 convolutions and matrix products (faster, ~1e-3 relative error; default: full fp32).")
    var tf32 = false

    @Flag(help: "Print only results and errors.")
    var quiet = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Applies threads, seed and TF32, and resolves the device.
    func apply() throws -> Device {
        if let threads { Torch.numThreads = threads }
        Torch.manualSeed(seed)
        Torch.allowTF32 = tf32
        return try Device.parse(device)
    }
}
