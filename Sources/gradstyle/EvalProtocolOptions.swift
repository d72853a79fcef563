import ArgumentParser
import Foundation
import Models
import Pipelines
import Torch

/// What both evaluation protocols take: the bundles (several = repeats of the same variants), the held-out set,
/// the measuring networks, and the output folder.
struct EvalProtocolOptions: ParsableArguments {
    @Option(parsing: .upToNextOption, help: "GradStyle bundles; networks of one name in several bundles are repeats (seeds). HFGI .pt files add an hfgi row. Default: the bundled model.")
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
        guard LPIPSNetwork(rawValue: lpipsNet) != nil else { throw ValidationError("invalid --lpips-net '\(lpipsNet)': alex or vgg") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ValidationError("--out \(out) is a file, expected a folder")
        }
    }

    var modelURLs: [URL] {
        get throws {
            if !model.isEmpty { return model.map { URL(fileURLWithPath: $0) } }
            guard let url = DemoCommand.defaultModel() else {
                throw ModelError("no --model given and the bundled models/default/model.safetensors is missing")
            }
            return [url]
        }
    }

    func load(device: Device) throws -> (EvaluatedMethods, HeldOutSet, ProtocolMetrics) {
        let urls = try modelURLs
        let only = networks.map { $0.split(separator: ",").map(String.init) }
        let methods = try EvaluatedMethods(bundles: urls, only: only, device: device)
        let set = try input.map {
            align ? try HeldOutSet.alignedPhotos(URL(fileURLWithPath: $0), count: count, inputSize: methods.inputSize, resolution: methods.resolution)
                : try HeldOutSet.folder(URL(fileURLWithPath: $0), count: count, inputSize: methods.inputSize, resolution: methods.resolution)
        } ?? HeldOutSet.synthetic(count: count, seed: renderSeed, inputSize: methods.inputSize, resolution: methods.resolution)
        var metrics = ProtocolMetrics()
        let classifierURL = classifier.map { URL(fileURLWithPath: $0) }
            ?? urls[0].deletingLastPathComponent().appendingPathComponent("classifier.safetensors")
        if classifier != nil || FileManager.default.fileExists(atPath: classifierURL.path) {
            metrics.classifier = try AttributeClassifier.load(classifierURL, device: device)
        }
        if !lpipsWeights.isEmpty {
            let files = lpipsWeights.flatMap { $0.split(separator: ",") }.map { URL(fileURLWithPath: String($0)) }
            metrics.lpips = LPIPSDistance(model: try LPIPS.load(network: LPIPSNetwork(rawValue: lpipsNet)!, files: files, device: device))
        }
        if let arcface { metrics.identity = try ArcFaceEmbedder.load(URL(fileURLWithPath: arcface), device: device) }
        if let inception {
            metrics.distribution = .inception(try FIDInceptionV3.load(URL(fileURLWithPath: inception), device: device))
        } else if let c = metrics.classifier {
            metrics.distribution = .classifier(c)
        }
        return (methods, set, metrics)
    }

    /// One line saying what was compared, for the report's header.
    func header(_ methods: EvaluatedMethods) throws -> [String] {
        let urls = try modelURLs
        var lines = ["Models: " + urls.map(\.path).joined(separator: ", ") + "."]
        for m in methods.methods {
            lines.append("\(m.name) (\(m.models.count) repeat\(m.models.count == 1 ? "" : "s")): \(m.summary)")
        }
        lines.append("Command: gradstyle " + CommandLine.arguments.dropFirst().joined(separator: " "))
        return lines
    }
}
