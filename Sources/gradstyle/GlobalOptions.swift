import ArgumentParser
import ImageIO
import Torch

/// Options every verb takes: where to run, how many threads, the seed, and how much to print.
struct GlobalOptions: ParsableArguments {
    @Option(help: "auto, cpu, cuda or cuda:N.")
    var device: String = "auto"

    // `.unconditional` so that `--threads -3` reaches validation (and its message) instead of being read as a flag.
    @Option(parsing: .unconditional,
            help: "Intra-op CPU threads for libtorch, 1 to 4 × the cores (at least 64) (default: libtorch's choice).")
    var threads: Int?

    @Option(help: "Seed for libtorch's generator: same seed + same device = same output.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional,
            help: "Largest image (width × height) read; checked from the file's header before decoding.")
    var maxPixels: Int = ImageLimits.defaultMaxPixels

    @Flag(help: "Print only results and errors.")
    var quiet = false

    func validate() throws {
        try OptionCheck.int(threads, "--threads", 1...OptionCheck.maxThreads)
        try OptionCheck.int(maxPixels, "--max-pixels", 1...(1 << 40))
        _ = try Device.parse(device)
    }

    /// Applies threads, seed and the image limit, and resolves the device.
    func apply() throws -> Device {
        if let threads { Torch.numThreads = threads }
        Torch.manualSeed(seed)
        ImageLimits.maxPixels = maxPixels
        return try Device.parse(device)
    }
}
