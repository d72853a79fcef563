import ArgumentParser
import Foundation
import Pipelines

/// What both evaluation protocols take: the bundles (several = repeats of the same variants), the held-out set,
/// the measuring networks, and the output folder.
struct EvalProtocolOptions: ParsableArguments {
    @Option(parsing: .upToNextOption, help: "GradStyle bundles (networks of one name in several bundles are repeats, i.e. seeds), or an e4e/pSp inversion model alone (the e4e row). HFGI files add an hfgi row. Default: the bundled model.")
    var model: [String] = []

    @Option(help: "Only these networks (comma-separated prefixes, e.g. gradstyle,single_stage); e4e is always included.")
    var networks: String?

    @Option(help: "A folder of your images instead of rendered held-out synthetic faces.")
    var input: String?

    @Flag(help: "--input holds photos: detect and FFHQ-align each one's largest face first, evaluate on the crops.")
    var align = false

    @Option(help: "Number of held-out images.")
    var count: Int = 64

    @Option(help: "Rendering seed of the held-out faces (the bundled model was trained on seed 1).")
    var renderSeed: UInt64 = 20_261_125

    @Option(help: "Attribute classifier (default: beside the first model, classifier.safetensors if present).")
    var classifier: String?

    @Option(parsing: .upToNextOption, help: "LPIPS weights (torchvision trunk + lpips heads, or one .safetensors).")
    var lpipsWeights: [String] = []

    @Option(help: "LPIPS network: alex or vgg.")
    var lpipsNet: String = "alex"

    @Option(help: "ArcFace IR-SE50 weights for ID similarity (faces).")
    var arcface: String?

    @Option(help: "FID-Inception weights: FID proper. Without them the classifier's features give a domain Fréchet distance.")
    var inception: String?

    @Option(help: "Output folder.")
    var out: String

    func validate() throws {
        guard count >= 2 else { throw ValidationError("--count must be at least 2, got \(count)") }
        if align, input == nil { throw ValidationError("--align needs --input (a folder of photos)") }
        guard ProtocolSetup.LPIPSNet(rawValue: lpipsNet) != nil else { throw ValidationError("invalid --lpips-net '\(lpipsNet)': alex or vgg") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ValidationError("--out \(out) is a file, expected a folder")
        }
    }

    var modelURLs: [URL] {
        get throws {
            if !model.isEmpty { return model.map { URL(fileURLWithPath: $0) } }
            guard let url = DemoCommand.defaultModel() else {
                throw ValidationError("no --model given and the bundled models/default/model.safetensors is missing")
            }
            return [url]
        }
    }

    /// The options as the protocols' setup (the device is the global option's).
    func setup() throws -> ProtocolSetup {
        var setup = ProtocolSetup(models: try modelURLs)
        setup.networks = networks.map { $0.split(separator: ",").map(String.init) }
        setup.input = input.map { URL(fileURLWithPath: $0) }
        setup.align = align
        setup.count = count
        setup.renderSeed = renderSeed
        setup.classifier = classifier.map { URL(fileURLWithPath: $0) }
        setup.lpipsWeights = lpipsWeights.flatMap { $0.split(separator: ",") }.map { URL(fileURLWithPath: String($0)) }
        setup.lpipsNetwork = ProtocolSetup.LPIPSNet(rawValue: lpipsNet)!
        setup.arcface = arcface.map { URL(fileURLWithPath: $0) }
        setup.inception = inception.map { URL(fileURLWithPath: $0) }
        return setup
    }

    /// The command line, for the reports' headers.
    static var commandLine: String { "gradstyle " + CommandLine.arguments.dropFirst().joined(separator: " ") }
}
