import ArgumentParser
import Foundation
import Pipelines

/// `gradstyle data …`: datasets the project trains on.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Make training data.",
        subcommands: [DataSynthCommand.self])
}

/// `gradstyle data synth`: the procedural face-like portraits (no real face data needed).
struct DataSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Render synthetic face-like portraits with attribute labels.",
        discussion: """
            Writes DIR/000000.png … (the zero-padded face index), DIR/labels.csv (file, smile, yaw, age, eyeglasses, \
            hair_hue, nuisance attributes, detail summary), DIR/synth.json (seed, size, indices) and, with \
            --details, DIR/details.json (everything the sampler drew). Face i depends only on (seed, i): --start \
            continues a dataset (labels.csv then lists only this run's faces), and the thread count never changes \
            the output.
            """)

    @Option(help: "Number of images.")
    var count: Int

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(help: "Image size in pixels (even, 32…512).")
    var size: Int = 64

    @Option(help: "Dataset seed.")
    var seed: UInt64 = 0

    @Option(help: "Index of the first face.")
    var start: Int = 0

    @Option(parsing: .unconditional, help: "Images rendered at once (default: all cores).")
    var threads: Int?

    @Flag(help: "Also write details.json with every sampled detail.")
    var details = false

    @Option(help: "Also write a preview mosaic of the first (up to 64) images to this PNG file.")
    var grid: String?

    @Flag(help: "Print only results and errors.")
    var quiet = false

    @Option(help: "Accepted for symmetry with the other verbs; rendering runs on the CPU.")
    var device: String = "auto"

    func validate() throws {
        try OptionCheck.count(count, "--count", max: 100_000_000)
        try OptionCheck.count(start, "--start", min: 0, max: Int(Int32.max))
        let sizes = SyntheticDataJob.sizes
        guard sizes.contains(size), size % 2 == 0 else {
            throw ValidationError("--size must be an even number from \(sizes.lowerBound) to \(sizes.upperBound), got \(size)")
        }
        guard start <= Int(Int32.max) - count else { throw ValidationError("--start + --count is too large") }
        try OptionCheck.int(threads, "--threads", 1...OptionCheck.maxThreads)
        try RuntimeSettings.device(named: device)
        if let grid {
            do { try SyntheticDataJob.checkGrid(grid) } catch { throw ValidationError("--grid \(error)") }
        }
    }

    func run() throws {
        var job = SyntheticDataJob(count: count, directory: URL(fileURLWithPath: out))
        job.size = size
        job.seed = seed
        job.start = start
        job.threads = threads
        job.writeDetails = details
        job.grid = grid.map { URL(fileURLWithPath: $0) }
        job.quiet = quiet
        let summary = try job.run()
        print(String(format: "wrote %d image(s) of %d² (faces %d…%d, seed %@) to %@ in %.1f s", summary.count, size,
                     start, start + count - 1, "\(seed)", job.directory.path, summary.seconds))
    }
}
