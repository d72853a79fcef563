import ArgumentParser
import Foundation
import Pipelines
import Serving

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: engine (op-call overhead, conv peak), generator (synthesis speed), encoder (e4e forward), gradstyle (invert + edit, per stage), serve (slider→image latency of the web editor).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "What to benchmark: engine, generator, encoder, gradstyle, serve (--repeats slider edits over loopback HTTP; --model).")
    var target: String = "engine"

    @Option(help: "Repetitions per measurement (the median is reported).")
    var repeats: Int = 5

    @Option(help: "generator, gradstyle: resolution of a random-weight model with the official shapes (1024, 512, 256, 64; default 256).")
    var size: Int?

    @Option(help: "gradstyle with --size: the Aligner's attention, selective (default) or full.")
    var attention: String?

    @Option(help: "gradstyle with --size: how the Aligner's output becomes the aligned residual (motion_gate (default), scalar_gate, attention).")
    var alignerPath: String?

    @Option(help: "gradstyle with --size: attention window side at stages ≥ 32 (0 = attention over all positions; default 7).")
    var window: Int?

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

    /// The bundle `bench gradstyle` times: --model, else the bundled model unless --size asks for random weights.
    var gradstyleModel: String? { model_ ?? (size != nil ? nil : DemoCommand.defaultModel()?.path) }

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        if target == "serve" {
            guard repeats <= 10_000 else { throw ValidationError("--repeats must be at most 10000 for serve") }
            if json != nil { throw ValidationError("--json does not apply to bench serve") }
            if let model_, !FileManager.default.fileExists(atPath: model_) { throw ValidationError("--model \(model_): no such file") }
            return
        }
        guard let target = BenchJob.Target(rawValue: target) else {
            throw ValidationError("unknown benchmark '\(self.target)': expected engine, generator, encoder, gradstyle or serve")
        }
        if target != .engine { _ = try batchList() }  // engine takes no batch sizes
        if target == .generator, generator == nil, ![4, 8, 16, 32, 64, 128, 256, 512, 1024].contains(size ?? 256) {
            throw ValidationError("--size must be a power of two from 4 to 1024")
        }
        let shapesRandomModel = target == .gradstyle && gradstyleModel == nil
        if !shapesRandomModel, attention != nil || alignerPath != nil || window != nil {
            throw ValidationError("--attention, --aligner-path and --window shape the random-weight GradStyle model of "
                                  + "bench gradstyle --size; \(target == .gradstyle ? "a model file has its own" : "bench \(target.rawValue) has none")")
        }
        if shapesRandomModel {
            guard [64, 128, 256, 512, 1024].contains(size ?? 256) else { throw ValidationError("--size must be 64, 128, 256, 512 or 1024") }
            guard BenchJob.Attention(rawValue: attention ?? "selective") != nil else {
                throw ValidationError("invalid --attention '\(attention ?? "")': selective or full")
            }
            _ = try OptionCheck.alignerPath(alignerPath ?? "motion_gate")
            _ = try OptionCheck.attentionWindow(window ?? 7)
        }
    }

    /// --batches as sizes (nil: the benchmark's default).
    func batchList() throws -> [Int]? {
        try batches?.split(separator: ",").map { part -> Int in
            guard let b = Int(part), b >= 1 else { throw ValidationError("invalid --batches entry '\(part)'") }
            return b
        }
    }

    func run() throws {
        let device = try global.apply()
        if target == "serve" {
            guard let model = model_.map({ URL(fileURLWithPath: $0) }) ?? DemoCommand.defaultModel() else {
                throw ValidationError("no model: models/default/model.safetensors is missing; pass --model BUNDLE")
            }
            var options = ServeOptions(model: model)
            options.device = device
            try ServeCommand.benchmarkEdits(options, steps: repeats)
            return
        }
        var job = BenchJob(target: BenchJob.Target(rawValue: target)!)
        job.repeats = repeats
        job.batches = job.target == .engine ? nil : try batchList()
        job.generator = generator.map { URL(fileURLWithPath: $0) }
        job.encoder = encoder.map { URL(fileURLWithPath: $0) }
        job.size = size ?? 256
        if job.target == .gradstyle {
            job.model = gradstyleModel.map { URL(fileURLWithPath: $0) }
            if job.model == nil {
                if let attention { job.attention = BenchJob.Attention(rawValue: attention)! }
                if let alignerPath { job.alignerPath = BenchJob.AlignerOutput(rawValue: try OptionCheck.alignerPath(alignerPath))! }
                if let window { job.window = try OptionCheck.attentionWindow(window) }
            }
        }
        job.hfgi = hfgi.map { $0 == "official" ? .official : .checkpoint(URL(fileURLWithPath: $0)) }
        job.json = json.map { URL(fileURLWithPath: $0) }
        job.device = device
        job.quiet = global.quiet
        try job.run()
    }
}
