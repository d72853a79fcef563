import ArgumentParser
import Foundation
import Models
import Pipelines
import TensorIO
import Torch

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: engine (op-call overhead, conv peak), generator (synthesis speed), encoder (e4e forward).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "What to benchmark: engine, generator, encoder.")
    var target: String = "engine"

    @Option(help: "Repetitions per measurement (the median is reported).")
    var repeats: Int = 5

    @Option(help: "generator: resolution of a random-weight generator with the official shapes (1024, 512, 256, 64).")
    var size: Int = 256

    @Option(help: "generator: a checkpoint to time instead of random weights.")
    var generator: String?

    @Option(help: "generator: batch sizes to time, comma-separated.")
    var batches: String = "1,4,8"

    @Option(help: "encoder: a pSp/e4e checkpoint whose encoder to time instead of the official e4e shapes (random weights).")
    var encoder: String?

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    func run() throws {
        let device = try global.apply()
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        switch target {
        case "engine":
            let r = runEngine(device)
            try writeJSON(r)
        case "generator":
            try runGenerator(device)
        case "encoder":
            try runEncoder(device)
        default:
            throw ValidationError("unknown benchmark '\(target)': expected engine, generator or encoder")
        }
    }

    func runEngine(_ device: Device) -> EngineBenchmark.Result {
        let progress = ProgressReporter("bench engine", total: 3, unit: "stage", quiet: global.quiet)
        let r = EngineBenchmark(device: device, repeats: repeats).run(progress: progress)
        progress.finish()
        print("libtorch \(r.libtorch), device \(r.device), \(r.threads) threads")
        print(String(format: "op call (a + b, 4 elements): Swift %.0f ns, C++ loop in the shim %.0f ns, Swift overhead %.0f ns",
                     r.swiftNanosecondsPerCall, r.nativeNanosecondsPerCall, r.overheadNanoseconds))
        print(String(format: "%@: %.1f GFLOP/s (median of %d)", r.convShape, r.convGFLOPS, repeats))
        return r
    }

    func runGenerator(_ device: Device) throws {
        let batchList = try batches.split(separator: ",").map { part -> Int in
            guard let b = Int(part), b >= 1 else { throw ValidationError("invalid --batches entry '\(part)'") }
            return b
        }
        let g: Generator
        if let generator {
            g = try GeneratorCheckpoint.load(URL(fileURLWithPath: generator), device: device).generator
        } else {
            guard [4, 8, 16, 32, 64, 128, 256, 512, 1024].contains(size) else {
                throw ValidationError("--size must be a power of two from 4 to 1024")
            }
            g = Generator(GeneratorConfig(size: size)).to(device: device)
        }
        let peak = runEngine(device).convGFLOPS
        let progress = ProgressReporter("bench generator", total: batchList.count * ModulationStrategy.allCases.count,
                                        unit: "run", quiet: global.quiet)
        let r = GeneratorBenchmark(generator: g.eval(), device: device, batches: batchList, repeats: repeats)
            .run(convPeakGFLOPS: peak, progress: progress)
        progress.finish()
        print(String(format: "generator %d², %@ parameters, %.2f GFLOP per image", r.size, r.parameters.grouped, r.flopsPerImage / 1e9))
        print("| strategy | batch | s/batch | images/s | GFLOP/s | % of conv peak |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for row in r.rows {
            print(String(format: "| %@ | %d | %.4f | %.2f | %.1f | %.0f%% |", row.strategy, row.batch, row.secondsPerBatch,
                         row.imagesPerSecond, row.gflops, row.percentOfPeak))
        }
        if let bytes = r.peakResidentBytes { print(String(format: "peak resident memory: %.2f GB", Double(bytes) / 1e9)) }
        try writeJSON(r)
    }

    func writeJSON<T: Encodable>(_ value: T) throws {
        guard let json else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(value), to: URL(fileURLWithPath: json))
    }

    func runEncoder(_ device: Device) throws {
        let batchList = try batches.split(separator: ",").map { part -> Int in
            guard let b = Int(part), b >= 1 else { throw ValidationError("invalid --batches entry '\(part)'") }
            return b
        }
        let e = try encoder.map { try EncoderCheckpoint.load(URL(fileURLWithPath: $0), device: device).encoder }
            ?? EncoderBenchmark.officialE4E()
        let peak = runEngine(device).convGFLOPS
        let progress = ProgressReporter("bench encoder", total: batchList.count, unit: "run", quiet: global.quiet)
        let r = EncoderBenchmark(encoder: e, device: device, batches: batchList, repeats: repeats)
            .run(convPeakGFLOPS: peak, progress: progress)
        progress.finish()
        print(String(format: "%@ encoder, %d² input, %d styles, %@ parameters, %.2f GFLOP per image", r.type, r.inputSize,
                     r.styles, r.parameters.grouped, r.flopsPerImage / 1e9))
        print("| batch | s/batch | images/s | GFLOP/s | % of conv peak |")
        print("| ---: | ---: | ---: | ---: | ---: |")
        for row in r.rows {
            print(String(format: "| %d | %.4f | %.2f | %.1f | %.0f%% |", row.batch, row.secondsPerBatch, row.imagesPerSecond,
                         row.gflops, row.percentOfPeak))
        }
        if let one = r.rows.first(where: { $0.batch == 1 }), let best = r.best {
            print(String(format: "batch 1: %.2f images/s; best: batch %d, %.2f images/s", one.imagesPerSecond, best.batch,
                         best.imagesPerSecond))
        }
        if let bytes = r.peakResidentBytes { print(String(format: "peak resident memory: %.2f GB", Double(bytes) / 1e9)) }
        try writeJSON(r)
    }
}
