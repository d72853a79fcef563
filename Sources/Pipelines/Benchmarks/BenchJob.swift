import Foundation
import Models
import TensorIO
import Torch

/// `gradstyle bench`: one of the benchmarks, its results written as lines of text (markdown tables) to `output` as
/// they come, and optionally as JSON.
/// - engine: op-call overhead and the convolution peak (`EngineBenchmark`);
/// - generator: synthesis speed of a checkpoint or of random weights at `size` (`GeneratorBenchmark`);
/// - encoder: the e4e forward pass of a checkpoint's encoder or of the official shapes (`EncoderBenchmark`);
/// - gradstyle: invert + edit per stage, of a bundle's GradStyle method or of random weights with the official
///   shapes at `size` (`GradStyleBenchmark`), optionally beside HFGI.
/// Every benchmark but engine first measures the engine, whose conv peak the others are compared to.
public struct BenchJob {
    public enum Target: String, CaseIterable, Sendable { case engine, generator, encoder, gradstyle }
    /// The Aligner's attention and output path of random-weight GradStyle networks, named here for callers that see
    /// only this module.
    public typealias Attention = AttentionKind
    public typealias AlignerOutput = AlignerPath

    /// HFGI timed beside GradStyle: its networks with random weights on the benchmarked encoder and generator, or a
    /// checkpoint.
    public enum HFGISource: Equatable, Sendable {
        case official
        case checkpoint(URL)
    }

    public var target: Target
    /// Repetitions per measurement (the median is reported).
    public var repeats = 5
    /// Batch sizes to time (nil: 1, 4, 8; gradstyle: 1, 2, 4).
    public var batches: [Int]?
    /// generator: a checkpoint to time (nil: random weights at `size`).
    public var generator: URL?
    /// encoder: a pSp/e4e checkpoint whose encoder to time (nil: the official e4e shapes, random weights).
    public var encoder: URL?
    /// gradstyle: a bundle whose GradStyle method to time (nil: random weights, official shapes at `size`).
    public var model: URL?
    /// Resolution of random-weight generators (generator, gradstyle).
    public var size = 256
    /// The random-weight GradStyle network's Aligner: attention, output path and window side (nil: all positions).
    public var attention: Attention = .selective
    public var alignerPath: AlignerOutput = .motionGate
    public var window: Int? = 7
    public var hfgi: HFGISource?
    public var json: URL?
    public var device: Device = .cpu
    public var quiet = false
    /// Where result lines go (standard output when nil).
    public var output: ((String) -> Void)?

    public init(target: Target) {
        self.target = target
    }

    public func run() throws {
        switch target {
        case .engine: try writeJSON(runEngine())
        case .generator: try runGenerator()
        case .encoder: try runEncoder()
        case .gradstyle: try runGradStyle()
        }
    }

    func say(_ line: String) {
        if let output { output(line) } else { print(line) }
    }

    func writeJSON<T: Encodable>(_ value: T) throws {
        guard let json else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(value), to: json)
    }

    func runEngine() -> EngineBenchmark.Result {
        let progress = ProgressReporter("bench engine", total: 3, unit: "stage", quiet: quiet)
        let r = EngineBenchmark(device: device, repeats: repeats).run(progress: progress)
        progress.finish()
        say("libtorch \(r.libtorch), device \(r.device), \(r.threads) threads" + (r.blasThreads.map { " (OpenBLAS \($0))" } ?? "")
            + ", OpenMP wait policy \(r.waitPolicy ?? "libgomp's default (spin)")")
        say(String(format: "op call (a + b, 4 elements): Swift %.0f ns, C++ loop in the shim %.0f ns, Swift overhead %.0f ns",
                   r.swiftNanosecondsPerCall, r.nativeNanosecondsPerCall, r.overheadNanoseconds))
        say(String(format: "%@: %.1f GFLOP/s (median of %d)", r.convShape, r.convGFLOPS, repeats))
        return r
    }

    func runGenerator() throws {
        let batchList = batches ?? [1, 4, 8]
        let g = try generator.map { try GeneratorCheckpoint.load($0, device: device).generator }
            ?? Generator(GeneratorConfig(size: size)).to(device: device)
        let peak = runEngine().convGFLOPS
        let progress = ProgressReporter("bench generator", total: batchList.count * ModulationStrategy.allCases.count,
                                        unit: "run", quiet: quiet)
        let r = GeneratorBenchmark(generator: g.eval(), device: device, batches: batchList, repeats: repeats)
            .run(convPeakGFLOPS: peak, progress: progress)
        progress.finish()
        say(String(format: "generator %d², %@ parameters, %.2f GFLOP per image", r.size, r.parameters.grouped, r.flopsPerImage / 1e9))
        say("| strategy | batch | s/batch | images/s | GFLOP/s | % of conv peak |")
        say("| --- | ---: | ---: | ---: | ---: | ---: |")
        for row in r.rows {
            say(String(format: "| %@ | %d | %.4f | %.2f | %.1f | %.0f%% |", row.strategy, row.batch, row.secondsPerBatch,
                       row.imagesPerSecond, row.gflops, row.percentOfPeak))
        }
        if let bytes = r.peakResidentBytes { say(String(format: "peak resident memory: %.2f GB", Double(bytes) / 1e9)) }
        try writeJSON(r)
    }

    func runEncoder() throws {
        let batchList = batches ?? [1, 4, 8]
        let e = try encoder.map { try EncoderCheckpoint.load($0, device: device).encoder } ?? EncoderBenchmark.officialE4E()
        let peak = runEngine().convGFLOPS
        let progress = ProgressReporter("bench encoder", total: batchList.count, unit: "run", quiet: quiet)
        let r = EncoderBenchmark(encoder: e, device: device, batches: batchList, repeats: repeats)
            .run(convPeakGFLOPS: peak, progress: progress)
        progress.finish()
        say(String(format: "%@ encoder, %d² input, %d styles, %@ parameters, %.2f GFLOP per image", r.type, r.inputSize,
                   r.styles, r.parameters.grouped, r.flopsPerImage / 1e9))
        say("| batch | s/batch | images/s | GFLOP/s | % of conv peak |")
        say("| ---: | ---: | ---: | ---: | ---: |")
        for row in r.rows {
            say(String(format: "| %d | %.4f | %.2f | %.1f | %.0f%% |", row.batch, row.secondsPerBatch, row.imagesPerSecond,
                       row.gflops, row.percentOfPeak))
        }
        if let one = r.rows.first(where: { $0.batch == 1 }), let best = r.best {
            say(String(format: "batch 1: %.2f images/s; best: batch %d, %.2f images/s", one.imagesPerSecond, best.batch,
                       best.imagesPerSecond))
        }
        if let bytes = r.peakResidentBytes { say(String(format: "peak resident memory: %.2f GB", Double(bytes) / 1e9)) }
        try writeJSON(r)
    }

    func runGradStyle() throws {
        let batchList = batches ?? [1, 2, 4]
        let model: GradStyleModel
        let description: String
        if let url = self.model {
            model = try InversionMethod.load(url, name: .gradstyle, device: device).gradstyle!
            description = url.path
        } else {
            var config = GradStyleConfig()
            config.attention = attention
            config.alignerPath = alignerPath
            config.window = window
            model = try GradStyleBenchmark.official(size: size, config: config, device: device)
            description = "random weights, official FFHQ shapes at \(size)² (e4e IR-SE50 256² input; GradStyle \(config.summary))"
        }
        let peak = runEngine().convGFLOPS
        var bench = GradStyleBenchmark(model: model, description: description, device: device, batches: batchList, repeats: repeats)
        switch hfgi {
        case .official: bench.hfgi = try GradStyleBenchmark.officialHFGI(on: model, device: device)
        case .checkpoint(let url): bench.hfgi = try InversionMethod.load(url, name: .hfgi, device: device).hfgi!
        case nil: break
        }
        let stages = GradStyleBenchmark.stageNames + (hfgi == nil ? [] : [GradStyleBenchmark.hfgiStage])
        let progress = ProgressReporter("bench gradstyle", total: batchList.count * stages.count, unit: "run", quiet: quiet)
        let r = bench.run(convPeakGFLOPS: peak, progress: progress)
        progress.finish()
        say("\(r.description): generator \(r.resolution)², stages \(r.stages), \(r.attention) attention; parameters "
            + r.parameters.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.grouped)" }.joined(separator: ", "))
        say(String(format: "conv FLOPs per image: encoder %@, generator %.2f GFLOP", r.encoderGFLOPPerImage.map { String(format: "%.2f GFLOP", $0) } ?? "—",
                   r.generatorGFLOPPerImage))
        say("| stage | batch | s/image | images/s | conv GFLOP/s | % of conv peak |")
        say("| --- | ---: | ---: | ---: | ---: | ---: |")
        for row in r.rows {
            say(String(format: "| %@ | %d | %.4f | %.2f | %@ | %@ |", row.stage, row.batch, row.secondsPerImage, row.imagesPerSecond,
                       row.gflops.map { String(format: "%.1f", $0) } ?? "—", row.percentOfPeak.map { String(format: "%.0f%%", $0) } ?? "—"))
        }
        for stage in stages {
            if let one = r.rows.first(where: { $0.stage == stage && $0.batch == 1 }), let best = GradStyleBenchmark.best(r.rows, stage: stage) {
                say(String(format: "%@: batch 1 %.3f s/image; best batch %d, %.2f images/s", stage, one.secondsPerImage, best.batch, best.imagesPerSecond))
            }
        }
        if let bytes = r.peakResidentBytes { say(String(format: "peak resident memory: %.2f GB", Double(bytes) / 1e9)) }
        try writeJSON(r)
    }
}
