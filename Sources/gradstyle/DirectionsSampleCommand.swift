import ArgumentParser
import Foundation
import Pipelines

struct DirectionsSampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample W codes and label their images with an attribute classifier, for `directions fit`.",
        discussion: """
        Writes OUT/w.npy (N×D float32) and OUT/labels.csv (file = sample index, one column per attribute). Then: \
        gradstyle directions fit --latents OUT/w.npy --labels OUT/labels.csv --attribute smile --out DIRS. \
        Predicted 0/1 attributes (eyeglasses) are scores: fit them with --threshold 0.5.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Generator checkpoint (.pt or .safetensors).")
    var generator: String

    @Option(help: "Attribute classifier (classifier.safetensors from `train classifier`).")
    var classifier: String

    @Option(help: "Number of codes to sample.")
    var count: Int

    @Option(help: "Output folder.")
    var out: String

    @Option(help: "Truncation psi towards the generator's mean latent (1: none, as InterFaceGAN samples).")
    var truncation: Double = 1

    @Option(help: "Images per forward pass.")
    var batch: Int = 16

    func validate() throws {
        try OptionCheck.count(count, "--count", max: 100_000_000)
        try OptionCheck.batch(batch)
        try OptionCheck.double(truncation, "--truncation", -100...100)
    }

    func run() throws {
        let device = try global.apply()
        var sampling = LatentSampling(count: count)
        sampling.batch = batch
        sampling.truncation = truncation
        sampling.quiet = global.quiet
        var job = DirectionSampleJob(generator: URL(fileURLWithPath: generator), classifier: URL(fileURLWithPath: classifier),
                                     out: URL(fileURLWithPath: out), sampling: sampling)
        job.device = device
        let r = try job.run()
        print("wrote \(out)/\(LatentSampling.latentsName) (\(r.latentShape.map(String.init).joined(separator: "×"))) and \(out)/\(LatentSampling.labelsName) (\(r.attributes.joined(separator: ", ")))")
    }
}
