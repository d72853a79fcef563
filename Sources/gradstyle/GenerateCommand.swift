import ArgumentParser
import Foundation
import Pipelines

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate images from a StyleGAN2 generator (rosinality, pSp/e4e/HFGI, NVIDIA or our checkpoints).")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Generator checkpoint (.pt or .safetensors).")
    var generator: String

    @Option(help: "W codes (.npy): N×n_latent×w_dim, or N×w_dim broadcast to all layers.")
    var w: String?

    @Option(help: "z vectors (.npy): N×z_dim, through the mapping network.")
    var z: String?

    @Option(help: "Seeds A-B: z = numpy RandomState(seed).randn(1, z_dim), as the reference scripts draw them.")
    var seeds: String?

    @Option(help: "Truncation psi towards the checkpoint's mean latent.")
    var truncation: Double = 1

    @Option(help: "Noise: const (stored buffers), random, or none.")
    var noiseMode: String = "const"

    @Option(help: "A folder (one PNG per image) or a .png file (one grid).")
    var out: String?

    @Option(help: "Raw float32 N×3×H×W generator output (not clamped).")
    var outNpy: String?

    @Option(parsing: .unconditional, help: "Images per forward pass.")
    var batch: Int = 8

    func validate() throws {
        let sources = [w, z, seeds].compactMap { $0 }
        guard sources.count == 1 else { throw ValidationError("give exactly one of --w, --z, --seeds") }
        guard GenerateJob.noiseMode(named: noiseMode) != nil else {
            throw ValidationError("invalid --noise-mode '\(noiseMode)': expected const, random or none")
        }
        try OptionCheck.batch(batch)
        try OptionCheck.double(truncation, "--truncation", -100...100)
        if let seeds {
            do { _ = try GenerateJob.parseSeeds(seeds) } catch { throw ValidationError("--seeds: \(error)") }
        }
        if let outNpy, !outNpy.lowercased().hasSuffix(".npy") {
            throw ValidationError("--out-npy \(outNpy): expected a .npy file name")
        }
        guard out != nil || outNpy != nil else { throw ValidationError("give --out and/or --out-npy") }
    }

    func run() throws {
        let device = try global.apply()
        let source: GenerateJob.Source
        if let w { source = .w(URL(fileURLWithPath: w)) }
        else if let z { source = .z(URL(fileURLWithPath: z)) }
        else { source = .seeds(try GenerateJob.parseSeeds(seeds!)) }
        var job = GenerateJob(generatorURL: URL(fileURLWithPath: generator), source: source)
        job.truncation = truncation
        job.noise = GenerateJob.noiseMode(named: noiseMode)!
        job.out = out.map { URL(fileURLWithPath: $0) }
        job.outNPY = outNpy.map { URL(fileURLWithPath: $0) }
        job.batch = batch
        job.device = device
        job.quiet = global.quiet
        let result = try job.run()
        for note in result.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        print("generated \(result.count) image(s) at \(result.resolution)²; wrote \(result.written.count) file(s)")
    }
}
