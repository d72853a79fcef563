import ArgumentParser
import Foundation
import Pipelines

struct InvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invert",
        abstract: "Invert real images: W+ latents and reconstructions, by GradStyle, e4e, the one-shot baseline or HFGI.",
        discussion: """
        --model takes an e4e / pSp / HFGI checkpoint (.pt) or our inversion-model .safetensors (encoder, generator \
        and latent_avg in one file). Images are center-cropped to a square and resized to the encoder's input size \
        when needed (a note says so). Reconstructions are written at the generator's resolution unless \
        --output-size says otherwise; nothing is written unless every image succeeded.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Inversion method: gradstyle (both streams; needs a GradStyle bundle), e4e (encoder only), single-stage (the one-shot baseline stored in the bundle), hfgi (an HFGI checkpoint). Default: hfgi for HFGI checkpoints, else e4e.")
    var method: String?

    @Option(help: "Inversion model: pSp/e4e/HFGI .pt or our .safetensors.")
    var model: String

    @Option(help: "An image (PNG/JPEG) or a folder of them.")
    var input: String

    @Option(help: "Output folder for <name>.png reconstructions (and latents).")
    var out: String

    @Flag(help: "Also write latents.npy (N×n_latent×512 float32) and latents.txt (the input order).")
    var saveLatents = false

    @Option(help: "Images per forward pass.")
    var batch: Int = 8

    @Option(help: "Side of the written reconstructions (default: the generator's resolution).")
    var outputSize: Int?

    @Option(help: "psp or e4e, for .pt files without opts.encoder_type.")
    var encoderType: String?

    @Flag(help: "Inputs are photos: detect and align each face first, paste the result back into the photo.")
    var align = false

    func validate() throws {
        if let method, InversionJob.Method(rawValue: method) == nil {
            throw ValidationError("invalid --method '\(method)': expected e4e, gradstyle, single-stage or hfgi")
        }
        try OptionCheck.batch(batch)
        try OptionCheck.count(outputSize, "--output-size", max: 8192)
        if align, outputSize != nil {
            throw ValidationError("--output-size does not apply with --align: outputs have each photo's own size")
        }
        if let encoderType, InversionJob.EncoderKind(rawValue: encoderType) == nil {
            throw ValidationError("invalid --encoder-type '\(encoderType)': expected psp or e4e")
        }
    }

    func run() throws {
        let device = try global.apply()
        var job = InversionJob(modelURL: URL(fileURLWithPath: model), input: URL(fileURLWithPath: input),
                               out: URL(fileURLWithPath: out))
        job.method = method.flatMap { InversionJob.Method(rawValue: $0) }
        job.saveLatents = saveLatents
        job.batch = batch
        job.outputSize = outputSize
        job.encoderType = encoderType.flatMap { InversionJob.EncoderKind(rawValue: $0) }
        job.device = device
        job.quiet = global.quiet
        job.align = align
        let result = try job.run()
        for note in result.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        for line in result.failures { FileHandle.standardError.write(Data("error: \(line)\n".utf8)) }
        if align {
            print("inverted \(result.count) face(s), pasted back into their photos; wrote \(result.written.count) file(s) to \(out)")
        } else {
            print("inverted \(result.count) image(s); reconstructions at \(result.resolution)²; wrote \(result.written.count) file(s) to \(out)")
        }
        if !result.failures.isEmpty { throw ExitCode.failure }
    }
}
