import ArgumentParser
import Foundation
import Pipelines

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a checkpoint, tensor file or image: format, keys, tensors, dtypes, architecture.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A .pt, .safetensors, .npy, PNG or JPEG file.")
    var file: String

    @Option(help: "How many tensors to list.")
    var tensors: Int = 12

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let report = try Inspector.inspect(URL(fileURLWithPath: file), sampleCount: tensors)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
    }
}
