import ArgumentParser
import Foundation
import Pipelines
import TensorIO
import Torch

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks: engine (op-call overhead, conv peak).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "What to benchmark: engine.")
    var target: String = "engine"

    @Option(help: "Repetitions per measurement (the median is reported).")
    var repeats: Int = 5

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    func run() throws {
        let device = try global.apply()
        guard target == "engine" else {
            throw NotAvailableYet(verb: "bench \(target)", issue: target == "generator" ? "StyleGAN2" : "later")
        }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        let progress = ProgressReporter("bench engine", total: 3, unit: "stage", quiet: global.quiet)
        let r = EngineBenchmark(device: device, repeats: repeats).run(progress: progress)
        progress.finish()
        print("libtorch \(r.libtorch), device \(r.device), \(r.threads) threads")
        print(String(format: "op call (a + b, 4 elements): Swift %.0f ns, C++ loop in the shim %.0f ns, Swift overhead %.0f ns",
                     r.swiftNanosecondsPerCall, r.nativeNanosecondsPerCall, r.overheadNanoseconds))
        print(String(format: "%@: %.1f GFLOP/s (median of %d)", r.convShape, r.convGFLOPS, repeats))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(r), to: URL(fileURLWithPath: json))
        }
    }
}
