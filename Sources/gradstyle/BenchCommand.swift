import ArgumentParser
import Foundation
import Models
import Pipelines
import TensorIO
import Torch

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: engine (op-call overhead, conv peak), generator (synthesis speed), encoder (e4e forward), gradstyle (invert + edit, per stage).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "What to benchmark: engine, generator, encoder, gradstyle.")
    var target: String = "engine"

    @Option(help: "Repetitions per measurement (the median is reported).")
    var repeats: Int = 5

    @Option(help: "generator, gradstyle: resolution of a random-weight model with the official shapes (1024, 512, 256, 64).")
    var size: Int = 256

    @Option(help: "gradstyle with --size: the Aligner's attention, selective (default) or full.")
    var attention: String = "selective"

    @Option(help: "gradstyle with --size: how the Aligner's output becomes the aligned residual (motion_gate, scalar_gate, attention).")
    var alignerPath: String = "motion_gate"

    @Option(help: "gradstyle with --size: attention window side at stages ≥ 32 (0 = attention over all positions).")
    var window: Int = 7

    @Option(name: .customLong("model"), help: "gradstyle: a GradStyle bundle to time instead of random weights (default with no --size: the bundled model).")
    var model_: String?

    @Option(help: "gradstyle: also time HFGI's invert + one edit: an HFGI .pt, or 'official' (its networks with random weights on the benchmarked e4e and generator).")
    var hfgi: String?

    @Option(help: "generator: a checkpoint to time instead of random weights.")
    var generator: String?

    @Option(help: "Batch sizes to time, comma-separated (default: 1,4,8; gradstyle: 1,2,4).")
    var batches: String?

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
        case "gradstyle":
            try runGradStyle(device)
        default:
            throw ValidationError("unknown benchmark '\(target)': expected engine, generator, encoder or gradstyle")
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

    func batchList(default list: String = "1,4,8") throws -> [Int] {
        try (batches ?? list).split(separator: ",").map { part -> Int in
            guard let b = Int(part), b >= 1 else { throw ValidationError("invalid --batches entry '\(part)'") }
            return b
        }
    }

    func runGenerator(_ device: Device) throws {
        let batchList = try batchList()
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
        let batchList = try batchList()
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

    /// Random weights with the official shapes when --size is given explicitly; otherwise --model or the bundled model.
    func runGradStyle(_ device: Device) throws {
        let batchList = try batchList(default: "1,2,4")
        let sizeGiven = CommandLine.arguments.contains { $0 == "--size" || $0.hasPrefix("--size=") }
        let model: GradStyleModel
        let description: String
        if let path = model_ ?? (sizeGiven ? nil : DemoCommand.defaultModel()?.path) {
            model = try GradStyleBundle.load(URL(fileURLWithPath: path), device: device)
            description = path
        } else {
            guard [64, 128, 256, 512, 1024].contains(size) else { throw ValidationError("--size must be 64, 128, 256, 512 or 1024") }
            guard let kind = AttentionKind(rawValue: attention) else {
                throw ValidationError("invalid --attention '\(attention)': selective or full")
            }
            var config = GradStyleConfig()
            config.attention = kind
            config.alignerPath = try OptionCheck.alignerPath(alignerPath)
            config.window = try OptionCheck.attentionWindow(window)
            model = try GradStyleBenchmark.official(size: size, config: config, device: device)
            description = "random weights, official FFHQ shapes at \(size)² (e4e IR-SE50 256² input; GradStyle \(config.summary))"
        }
        let peak = runEngine(device).convGFLOPS
        var bench = GradStyleBenchmark(model: model, description: description, device: device, batches: batchList, repeats: repeats)
        if let hfgi {
            bench.hfgi = hfgi == "official" ? try GradStyleBenchmark.officialHFGI(on: model, device: device)
                : try HFGIModel.load(URL(fileURLWithPath: hfgi), device: device)
        }
        let stages = GradStyleBenchmark.stageNames + (hfgi == nil ? [] : [GradStyleBenchmark.hfgiStage])
        let progress = ProgressReporter("bench gradstyle", total: batchList.count * stages.count,
                                        unit: "run", quiet: global.quiet)
        let r = bench.run(convPeakGFLOPS: peak, progress: progress)
        progress.finish()
        print("\(r.description): generator \(r.resolution)², stages \(r.stages), \(r.attention) attention; parameters "
              + r.parameters.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.grouped)" }.joined(separator: ", "))
        print(String(format: "conv FLOPs per image: encoder %@, generator %.2f GFLOP", r.encoderGFLOPPerImage.map { String(format: "%.2f GFLOP", $0) } ?? "—",
                     r.generatorGFLOPPerImage))
        print("| stage | batch | s/image | images/s | conv GFLOP/s | % of conv peak |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for row in r.rows {
            print(String(format: "| %@ | %d | %.4f | %.2f | %@ | %@ |", row.stage, row.batch, row.secondsPerImage, row.imagesPerSecond,
                         row.gflops.map { String(format: "%.1f", $0) } ?? "—", row.percentOfPeak.map { String(format: "%.0f%%", $0) } ?? "—"))
        }
        for stage in stages {
            if let one = r.rows.first(where: { $0.stage == stage && $0.batch == 1 }), let best = GradStyleBenchmark.best(r.rows, stage: stage) {
                print(String(format: "%@: batch 1 %.3f s/image; best batch %d, %.2f images/s", stage, one.secondsPerImage, best.batch, best.imagesPerSecond))
            }
        }
        if let bytes = r.peakResidentBytes { print(String(format: "peak resident memory: %.2f GB", Double(bytes) / 1e9)) }
        try writeJSON(r)
    }
}
