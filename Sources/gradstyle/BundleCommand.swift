import ArgumentParser
import Foundation
import Pipelines

/// `gradstyle bundle …`: put together the model file that invert, edit and eval take.
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Merge, rename and convert the networks of a model bundle (.safetensors).",
        discussion: """
            A bundle is one .safetensors file: the e4e encoder (encoder.*), the StyleGAN2 generator (decoder.*) and \
            latent_avg, plus the networks trained on them, each declared by a NAME.config metadata key — GradStyle \
            networks (gradstyle, single_stage, …) under NAME.*, HFGI's under residue.* and grid_align.*. Outputs are \
            written atomically (the output may be the input) and byte-reproducibly.
            """,
        subcommands: [BundleMergeCommand.self, BundleRenameCommand.self, BundleConvertCommand.self])
}

/// `--storage`, shared by the three sub-verbs.
private func parseStorage(_ value: String?) throws -> WeightStorage? {
    guard let value else { return nil }
    guard let storage = WeightStorage(rawValue: value) else {
        throw ValidationError("invalid --storage '\(value)': expected float16 or float32")
    }
    return storage
}

private let storageHelp = """
    Store floating-point weights as float16 (half the size; loaded as float32, each weight rounded to 11 significant \
    bits) or float32; integer tensors are kept, and the choice is recorded as gradstyle.storage.
    """

struct BundleMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Copy the networks that another file has and the bundle lacks into the bundle.",
        discussion: """
            For networks trained side by side on the same inversion model: a `train gradstyle` run without \
            --merge-into, or HFGI's networks from the model file of `train hfgi` (its residue.*, grid_align.* and \
            hfgi.* metadata), so that eval compares them all. Both files must hold the same encoder, generator and \
            latent_avg (byte for byte, or equal at float16 where one of them stores float16). The bundle's own \
            networks and metadata are kept; each added network brings its tensors and metadata \
            (NAME.config, NAME.*, gradstyle.NAME.*).
            """)

    @Argument(help: "The bundle to add networks to.")
    var bundle: String

    @Argument(help: "A bundle or `train hfgi` model file with the networks to add.")
    var networksFrom: String

    @Option(help: "The merged bundle (may be the first file: it is replaced atomically).")
    var out: String

    @Option(help: ArgumentHelp(storageHelp + " (default: the storage the bundle records, else each tensor as stored)",
                               valueName: "float16|float32"))
    var storage: String?

    // Accepted as on every verb; nothing here runs on a device.
    @OptionGroup var global: GlobalOptions

    func validate() throws { _ = try parseStorage(storage) }

    func run() throws {
        let job = BundleJob(bundle: URL(fileURLWithPath: bundle), operation: .merge(networksFrom: URL(fileURLWithPath: networksFrom)),
                            output: URL(fileURLWithPath: out), storage: try parseStorage(storage))
        print(try job.run().line)
    }
}

struct BundleRenameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename",
        abstract: "Give a network of a bundle another name.",
        discussion: """
            Tensors FROM.* become TO.* and the network's metadata follows (FROM.config, gradstyle.FROM.trained_steps); \
            everything else is copied as it is. E.g. to report a network under the name of what it measures (eval lists \
            each network by its name), or to make room for a new network under the old name. HFGI's networks keep their \
            name.
            """)

    @Argument(help: "The bundle.")
    var bundle: String

    @Option(help: "The network's current name (its FROM.config metadata key).")
    var from: String

    @Option(help: "The new name: letters, digits and _, starting with a letter.")
    var to: String

    @Option(help: "The renamed bundle (may be the input: it is replaced atomically).")
    var out: String

    @Option(help: ArgumentHelp(storageHelp + " (default: each tensor as stored)", valueName: "float16|float32"))
    var storage: String?

    // Accepted as on every verb; nothing here runs on a device.
    @OptionGroup var global: GlobalOptions

    func validate() throws { _ = try parseStorage(storage) }

    func run() throws {
        let job = BundleJob(bundle: URL(fileURLWithPath: bundle), operation: .rename(from: from, to: to),
                            output: URL(fileURLWithPath: out), storage: try parseStorage(storage))
        print(try job.run().line)
    }
}

struct BundleConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Store a bundle's (or any .safetensors model's) weights at another precision.",
        discussion: """
            float16 halves the file; every reader loads it into float32 modules. A weight beyond float16's ±65504 is \
            refused, naming the tensor, rather than stored as infinity. Converting back to float32 gives the \
            float16 values exactly, not the original weights.
            """)

    @Argument(help: "The bundle or .safetensors model file.")
    var bundle: String

    @Option(help: "The converted file (may be the input: it is replaced atomically).")
    var out: String

    @Option(help: ArgumentHelp(storageHelp, valueName: "float16|float32"))
    var storage: String

    // Accepted as on every verb; nothing here runs on a device.
    @OptionGroup var global: GlobalOptions

    func validate() throws { _ = try parseStorage(storage) }

    func run() throws {
        let job = BundleJob(bundle: URL(fileURLWithPath: bundle), operation: .convert,
                            output: URL(fileURLWithPath: out), storage: try parseStorage(storage))
        print(try job.run().line)
    }
}
