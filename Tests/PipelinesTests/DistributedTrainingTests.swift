import Foundation
import Dispatch
import XCTest
@testable import Pipelines
import TensorIO
import Torch

/// Data-parallel training over c10d/Gloo on loopback, with real processes: this test binary started again as the
/// ranks (`testDistributedWorkerEntryPoint`, chosen by GRADSTYLE_DDP_TEST_ROLE).
final class DistributedTrainingTests: XCTestCase {
    static let entryPoint = "PipelinesTests.DistributedTrainingTests/testDistributedWorkerEntryPoint"
    static let perRankBatch = 4
    static let timeout: TimeInterval = 5

    /// Not a test: the body of each rank process. Skipped in an ordinary run.
    func testDistributedWorkerEntryPoint() throws {
        let env = ProcessInfo.processInfo.environment
        guard let role = env["GRADSTYLE_DDP_TEST_ROLE"] else {
            throw XCTSkip("entry point of the rank processes started by the other DistributedTrainingTests")
        }
        var rank = -1
        do {
            guard let place = try DistributedEnvironment.from(env) else { throw PipelineError("WORLD_SIZE is not set") }
            rank = place.rank
            if role == "classifier-job" {
                // The job joins the group itself, from the environment.
                try Self.classifierJob(data: env["GRADSTYLE_DDP_TEST_DATA"]!, out: env["GRADSTYLE_DDP_TEST_OUT"]!,
                                       batch: Self.perRankBatch, environment: place).run()
                exit(0)
            }
            if role == "classifier-job-dies" {
                // Rank 1 dies at a moment unrelated to the step (most often inside forward or backward, where
                // synchronised batch norm communicates); rank 0 trains on.
                if rank == 1 { DispatchQueue.global().asyncAfter(deadline: .now() + 3) { kill(getpid(), SIGKILL) } }
                var job = Self.classifierJob(data: env["GRADSTYLE_DDP_TEST_DATA"]!, out: env["GRADSTYLE_DDP_TEST_OUT"]!,
                                             batch: Self.perRankBatch, environment: place)
                (job.steps, job.options.checkpointEvery) = (1_000_000, 1_000_000)
                try job.run()
                exit(0)
            }
            if role == "stylegan2-job" {
                try Self.styleGAN2Job(data: env["GRADSTYLE_DDP_TEST_DATA"]!, out: env["GRADSTYLE_DDP_TEST_OUT"]!,
                                      batch: 2, environment: place).run()
                exit(0)
            }
            if role == "hfgi-job" || role == "gradstyle-job" {
                let (data, out) = (env["GRADSTYLE_DDP_TEST_DATA"]!, env["GRADSTYLE_DDP_TEST_OUT"]!)
                if role == "hfgi-job" {
                    try Self.hfgiJob(data: data, out: out, batch: 2, environment: place).run()
                } else {
                    try Self.gradStyleJob(encoder: env["GRADSTYLE_DDP_TEST_MODEL"]!, data: data, out: out, batch: 2,
                                          environment: place).run()
                }
                exit(0)
            }
            let batch = role == "mismatch" ? Self.perRankBatch + rank : Self.perRankBatch
            let parallel = try DataParallel(environment: place, configuration: "batch: \(batch)\nsteps: 6",
                                            seed: DistributedTinyTraining.batchOrderSeed, backend: .gloo,
                                            timeout: Self.timeout)
            switch role {
            case "train":
                let weights = try DistributedTinyTraining.train(batch: batch, parallel: parallel)
                if parallel.writesOutputs, let out = env["GRADSTYLE_DDP_TEST_OUT"] {
                    try JSONEncoder().encode(weights).write(to: URL(fileURLWithPath: out))
                }
            case "die":
                _ = try DistributedTinyTraining.train(batch: batch, parallel: parallel) { step in
                    if rank == 1 && step == 2 { kill(getpid(), SIGKILL) }
                }
            case "exit3":
                if rank == 1 { exit(3) }
                sleep(120)
            default:
                throw PipelineError("unknown role \(role)")
            }
        } catch {
            FileHandle.standardError.write(Data("rank \(rank): \(error)\n".utf8))
            exit(1)
        }
        exit(0)
    }

    // MARK: - the tests

    /// `train classifier` as a job: 4 steps, flips off (they are drawn per rank's slice, see the report).
    static func classifierJob(data: String, out: String, batch: Int, environment: DistributedEnvironment?) -> ClassifierTrainingJob {
        Torch.manualSeed(0)
        var job = ClassifierTrainingJob(data: URL(fileURLWithPath: data), out: URL(fileURLWithPath: out), steps: 4)
        job.options.size = 32
        job.options.widths = [8, 8]
        job.options.attributes = ["smile", "yaw"]
        job.options.batch = batch
        job.options.flip = false
        job.options.checkpointEvery = 4
        job.trainingRun.quiet = true
        job.trainingRun.messages = TrainingMessages(say: { _ in }, note: { _ in })
        job.trainingRun.distributed = DistributedTraining(environment: environment, timeout: timeout, seed: 0)
        return job
    }

    func testTrainClassifierOnTwoRanksEqualsOneProcessWithTheGlobalBatch() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ddp-classifier-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("faces"), single = dir.appendingPathComponent("single")
        let parallel = dir.appendingPathComponent("parallel")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try ClassifierTrainingTests.writeFaces(count: 24, size: 32, to: data)
        try Self.classifierJob(data: data.path, out: single.path, batch: 2 * Self.perRankBatch, environment: nil).run()
        var env = ProcessInfo.processInfo.environment
        env["GRADSTYLE_DDP_TEST_ROLE"] = "classifier-job"
        env["GRADSTYLE_DDP_TEST_DATA"] = data.path
        env["GRADSTYLE_DDP_TEST_OUT"] = parallel.path
        try LocalLauncher(executable: Self.testBinary, arguments: [Self.entryPoint], processes: 2).run(environment: env)
        let a = try SafeTensors.read(single.appendingPathComponent(ClassifierTrainer.classifierName)).tensors
        let b = try SafeTensors.read(parallel.appendingPathComponent(ClassifierTrainer.classifierName)).tensors
        XCTAssertEqual(a.names, b.names)
        var gap: Float = 0
        for (name, t) in a { gap = max(gap, zip(t.floats(), b[name]!.floats()).map { abs($0 - $1) }.max() ?? 0) }
        // Summation order only (batch norm statistics and gradients summed per rank, then over ranks).
        XCTAssertLessThan(gap, 1e-5)
    }

    /// `train stylegan2` as a job: 8², tiny widths, one step, which applies R1 (step 0) and the EMA; mixing and
    /// flips on (drawn for the global batch and sliced). Path length off: its image-space noise is drawn per rank.
    static func styleGAN2Job(data: String, out: String, batch: Int, environment: DistributedEnvironment?) -> StyleGAN2TrainingJob {
        Torch.manualSeed(0)
        var job = StyleGAN2TrainingJob(data: URL(fileURLWithPath: data), out: URL(fileURLWithPath: out), resolution: 8,
                                       length: .steps(1))
        (job.styleDim, job.mappingLayers, job.channels) = (8, 2, [4: 8, 8: 8])
        job.options.batch = batch
        job.options.pathRegularize = 0
        job.stddevGroup = 1  // D's minibatch stddev groups each rank's rows; with groups of 1 the split cannot matter
        job.options.emaKimg = 0.01  // a decay far from 1, so the EMA's update shows
        (job.options.sampleEvery, job.options.checkpointEvery, job.options.sampleCount) = (100, 1, 1)
        job.trainingRun.quiet = true
        job.trainingRun.messages = TrainingMessages(say: { _ in }, note: { _ in })
        job.trainingRun.distributed = DistributedTraining(environment: environment, timeout: timeout, seed: 0)
        return job
    }

    /// One StyleGAN2 step (D, R1, G, EMA) on 2 ranks × batch 2 equals one process × batch 4. What differs by design:
    /// synthesis noise is drawn per rank for its slice. Its injection weights start at 0, so in the first step the
    /// noise changes no output and no gradient except the injection weights' own; those are compared for shape
    /// only. Every other tensor of G, D and G_ema must match to summation order.
    func testTrainStyleGAN2OnTwoRanksEqualsOneProcessWithTheGlobalBatch() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ddp-stylegan2-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("faces"), single = dir.appendingPathComponent("single")
        let parallel = dir.appendingPathComponent("parallel")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try ClassifierTrainingTests.writeFaces(count: 8, size: 8, to: data)
        try Self.styleGAN2Job(data: data.path, out: single.path, batch: 4, environment: nil).run()
        var env = ProcessInfo.processInfo.environment
        env["GRADSTYLE_DDP_TEST_ROLE"] = "stylegan2-job"
        env["GRADSTYLE_DDP_TEST_DATA"] = data.path
        env["GRADSTYLE_DDP_TEST_OUT"] = parallel.path
        try LocalLauncher(executable: Self.testBinary, arguments: [Self.entryPoint], processes: 2).run(environment: env)
        let a = try SafeTensors.read(single.appendingPathComponent(TrainingFiles.checkpoint)).tensors
        let b = try SafeTensors.read(parallel.appendingPathComponent(TrainingFiles.checkpoint)).tensors
        XCTAssertEqual(a.names, b.names)
        var gap: Float = 0, compared = 0, noiseWeights = 0
        for (name, t) in a where name.hasPrefix("g.") || name.hasPrefix("d.") || name.hasPrefix("g_ema.") {
            XCTAssertEqual(t.shape, b[name]!.shape, name)
            if name.hasSuffix("noise.weight") { noiseWeights += 1; continue }
            let d = zip(t.floats(), b[name]!.floats()).map { abs($0 - $1) }.max() ?? 0
            if d > 1e-5 { print("DIFF \(name) \(d)") }
            gap = max(gap, d)
            compared += 1
        }
        XCTAssertGreaterThan(compared, 20)
        XCTAssertGreaterThan(noiseWeights, 0)
        print("stylegan2 2 ranks vs 1 process: \(compared) tensors, largest difference \(gap)")
        // Summation order only (the loss means and gradients summed per rank, then averaged over ranks).
        XCTAssertLessThan(gap, 1e-5)
    }

    /// `train hfgi` as a job on the HFGI fixture's e4e and 64² generator: 2 steps, stored noise (random synthesis
    /// noise is drawn per rank for its slice); the perspective is drawn once per batch, the same on every rank.
    static func hfgiJob(data: String, out: String, batch: Int, environment: DistributedEnvironment?) -> HFGITrainingJob {
        Torch.manualSeed(0)
        var job = HFGITrainingJob(encoder: HFGITrainingTests.fixture, data: URL(fileURLWithPath: data),
                                  out: URL(fileURLWithPath: out), steps: 2)
        job.options = HFGITrainingTests.options()
        job.options.batch = batch
        job.options.noise = "const"
        job.options.checkpointEvery = 2
        job.inputs.trainingRun.quiet = true
        job.inputs.trainingRun.messages = TrainingMessages(say: { _ in }, note: { _ in })
        job.inputs.trainingRun.distributed = DistributedTraining(environment: environment, timeout: timeout, seed: 0)
        return job
    }

    /// `train gradstyle` as a job on a tiny inversion model (`makeTinyGradStyle`'s), 2 steps, Adam, warps on (drawn
    /// for the global batch and sliced).
    static func gradStyleJob(encoder: String, data: String, out: String, batch: Int,
                             environment: DistributedEnvironment?) -> GradStyleTrainingJob {
        Torch.manualSeed(0)
        var job = GradStyleTrainingJob(encoder: URL(fileURLWithPath: encoder), data: URL(fileURLWithPath: data),
                                       out: URL(fileURLWithPath: out), steps: 2)
        job.network.stages = [4, 8, 16]
        (job.network.residualChannels, job.network.heads, job.network.headDim, job.network.selectRatio) = (8, 2, 4, 0.25)
        job.options = GradStyleTrainingTests.options()
        job.options.batch = batch
        job.options.checkpointEvery = 2
        job.inputs.trainingRun.quiet = true
        job.inputs.trainingRun.messages = TrainingMessages(say: { _ in }, note: { _ in })
        job.inputs.trainingRun.distributed = DistributedTraining(environment: environment, timeout: timeout, seed: 0)
        return job
    }

    /// Runs `single` (1 process, batch 4) and the role on 2 ranks (batch 2 each) and returns the largest difference
    /// over the checkpoint tensors whose names start with one of `prefixes` (and how many were compared).
    func compareCheckpoints(role: String, size: Int, prefixes: [String], model: URL? = nil,
                            single: (String, String) throws -> Void) throws -> (gap: Float, compared: Int) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ddp-\(role)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("faces"), one = dir.appendingPathComponent("single")
        let parallel = dir.appendingPathComponent("parallel")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try ClassifierTrainingTests.writeFaces(count: 8, size: size, to: data)
        try single(data.path, one.path)
        var env = ProcessInfo.processInfo.environment
        env["GRADSTYLE_DDP_TEST_ROLE"] = role
        env["GRADSTYLE_DDP_TEST_DATA"] = data.path
        env["GRADSTYLE_DDP_TEST_OUT"] = parallel.path
        if let model { env["GRADSTYLE_DDP_TEST_MODEL"] = model.path }
        try LocalLauncher(executable: Self.testBinary, arguments: [Self.entryPoint], processes: 2).run(environment: env)
        let a = try SafeTensors.read(one.appendingPathComponent(TrainingFiles.checkpoint)).tensors
        let b = try SafeTensors.read(parallel.appendingPathComponent(TrainingFiles.checkpoint)).tensors
        XCTAssertEqual(a.names, b.names)
        var gap: Float = 0, compared = 0
        for (name, t) in a where prefixes.contains(where: { name.hasPrefix($0) }) {
            let d = zip(t.floats(), b[name]!.floats()).map { abs($0 - $1) }.max() ?? 0
            if d > 1e-5 { print("DIFF \(name) \(d)") }
            gap = max(gap, d)
            compared += 1
        }
        return (gap, compared)
    }

    func testTrainHFGIOnTwoRanksEqualsOneProcessWithTheGlobalBatch() throws {
        let (gap, compared) = try compareCheckpoints(role: "hfgi-job", size: 32, prefixes: ["residue.", "grid_align."]) {
            try Self.hfgiJob(data: $0, out: $1, batch: 4, environment: nil).run()
        }
        XCTAssertGreaterThan(compared, 10)
        print("hfgi 2 ranks vs 1 process: \(compared) tensors, largest difference \(gap)")
        XCTAssertLessThan(gap, 1e-5)  // summation order
    }

    func testTrainGradStyleOnTwoRanksEqualsOneProcessWithTheGlobalBatch() throws {
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("ddp-gst-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: model) }
        try makeTinyGradStyle().1.save(to: model)
        let (gap, compared) = try compareCheckpoints(role: "gradstyle-job", size: 64, prefixes: ["gradstyle."], model: model) {
            try Self.gradStyleJob(encoder: model.path, data: $0, out: $1, batch: 4, environment: nil).run()
        }
        XCTAssertGreaterThan(compared, 10)
        print("gradstyle 2 ranks vs 1 process: \(compared) tensors, largest difference \(gap)")
        XCTAssertLessThan(gap, 1e-5)  // summation order
    }

    func testTwoRanksWithBatchBEndWithTheWeightsOfOneProcessWithBatch2B() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ddp-weights-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: out) }
        var env = ProcessInfo.processInfo.environment
        env["GRADSTYLE_DDP_TEST_ROLE"] = "train"
        env["GRADSTYLE_DDP_TEST_OUT"] = out.path
        try LocalLauncher(executable: Self.testBinary, arguments: [Self.entryPoint], processes: 2).run(environment: env)
        let parallel = try JSONDecoder().decode([Float].self, from: Data(contentsOf: out))
        let single = try DistributedTinyTraining.train(batch: 2 * Self.perRankBatch, parallel: nil)
        let smallBatch = try DistributedTinyTraining.train(batch: Self.perRankBatch, parallel: nil)
        XCTAssertEqual(parallel.count, single.count)
        // Tolerance: the two runs differ only in summation order (per-rank means averaged vs one mean over 2B,
        // Gloo's sum), a few float32 ulps per step amplified by Adam's normalisation over 6 steps.
        let gap = zip(parallel, single).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(gap, 1e-5, "2 ranks × batch 4 vs 1 process × batch 8")
        // The check can fail: one process with the per-rank batch alone ends far from both.
        let other = zip(smallBatch, single).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(other, 1e-3)
    }

    func testKillingOneRankMidRunMakesTheOtherExitNonZeroWithinTheTimeout() throws {
        let start = Date()
        let ranks = try startRanks(role: "die")
        let finished = waitAll(ranks, deadline: start.addingTimeInterval(Self.timeout + 25))
        XCTAssertTrue(finished, "a rank was still running \(Date().timeIntervalSince(start)) s after the start")
        XCTAssertEqual(ranks[1].process.terminationReason, .uncaughtSignal)
        XCTAssertNotEqual(ranks[0].process.terminationStatus, 0)
        let message = ranks[0].standardError()
        XCTAssertTrue(message.contains("rank 0:") && message.contains("failed on rank 0"), message)
    }

    /// A rank killed while the other trains a model with batch norm: the survivor finds the peer gone inside an
    /// operation that cannot throw (batch norm's synchronised statistics, forward or backward) or in the gradient
    /// all-reduce, and either way exits with status 1 and a line naming its rank, without a crash report.
    func testAPeerKilledDuringSynchronisedBatchNormEndsTheOtherWithOneLineNotACrash() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ddp-dies-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("faces")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try ClassifierTrainingTests.writeFaces(count: 24, size: 32, to: data)
        let start = Date()
        let ranks = try startRanks(role: "classifier-job-dies", extra: ["GRADSTYLE_DDP_TEST_DATA": data.path,
                                                                       "GRADSTYLE_DDP_TEST_OUT": dir.appendingPathComponent("out").path])
        XCTAssertTrue(waitAll(ranks, deadline: start.addingTimeInterval(Self.timeout + 60)))
        XCTAssertEqual(ranks[1].process.terminationReason, .uncaughtSignal)
        let message = ranks[0].standardError()
        XCTAssertEqual(ranks[0].process.terminationReason, .exit, message)
        XCTAssertEqual(ranks[0].process.terminationStatus, 1, message)
        XCTAssertTrue(message.contains("rank 0: "), message)
        XCTAssertFalse(message.contains("Fatal error") || message.contains("Backtracing"), message)
    }

    func testMismatchedConfigurationsFailOnEveryRankNamingTheDifference() throws {
        let ranks = try startRanks(role: "mismatch")
        XCTAssertTrue(waitAll(ranks, deadline: Date().addingTimeInterval(30)))
        for r in ranks {
            XCTAssertEqual(r.process.terminationStatus, 1)
            XCTAssertTrue(r.standardError().contains("rank 1's configuration differs from rank 0's: batch: 5 here, batch: 4 on rank 0"),
                          r.standardError())
        }
    }

    func testLauncherStopsTheOtherRanksWhenOneFailsAndNamesIt() throws {
        var env = ProcessInfo.processInfo.environment
        env["GRADSTYLE_DDP_TEST_ROLE"] = "exit3"
        let start = Date()
        XCTAssertThrowsError(try LocalLauncher(executable: Self.testBinary, arguments: [Self.entryPoint],
                                               processes: 2).run(environment: env)) { error in
            XCTAssertEqual("\(error)", "rank 1 exited with status 3; stopped the other 1 rank")
        }
        // Rank 0 sleeps for 120 s: the launcher must have stopped it.
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
    }

    func testEnvironmentContract() throws {
        XCTAssertNil(try DistributedEnvironment.from(["RANK": "0"]))
        let ok = try DistributedEnvironment.from(["WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1",
                                                  "MASTER_ADDR": "node0", "MASTER_PORT": "29500"])
        XCTAssertEqual(ok, DistributedEnvironment(rank: 3, worldSize: 4, localRank: 1, masterAddress: "node0", masterPort: 29500))
        XCTAssertEqual(try DistributedEnvironment.from(ok!.variables), ok)
        XCTAssertEqual(ok?.storePort, 29500)
        // Under torchrun the agent holds MASTER_PORT with a store our ranks cannot speak to: rank 0 hosts ours on
        // the next port.
        var elastic = ok!.variables
        elastic["TORCHELASTIC_USE_AGENT_STORE"] = "True"
        elastic["TORCHELASTIC_RESTART_COUNT"] = "2"
        XCTAssertEqual(try DistributedEnvironment.from(elastic)?.storePort, 29501)
        elastic["MASTER_PORT"] = "65535"
        XCTAssertThrowsError(try DistributedEnvironment.from(elastic)) {
            XCTAssertTrue("\($0)".hasPrefix("MASTER_PORT=65535 leaves no port for the rendezvous store"), "\($0)")
        }
        let cases: [([String: String], String)] = [
            (["WORLD_SIZE": "2", "MASTER_ADDR": "h", "MASTER_PORT": "1"], "RANK is not set"),
            (["WORLD_SIZE": "2", "RANK": "2", "MASTER_ADDR": "h", "MASTER_PORT": "1"], "RANK=2 is outside 0..<2"),
            (["WORLD_SIZE": "two", "RANK": "0"], "WORLD_SIZE=two is not an integer"),
            (["WORLD_SIZE": "2", "RANK": "0", "MASTER_PORT": "1"], "MASTER_ADDR is not set"),
            (["WORLD_SIZE": "2", "RANK": "0", "MASTER_ADDR": "h", "MASTER_PORT": "70000"], "MASTER_PORT=70000 is outside"),
        ]
        for (env, message) in cases {
            XCTAssertThrowsError(try DistributedEnvironment.from(env)) { XCTAssertTrue("\($0)".hasPrefix(message), "\($0)") }
        }
    }

    func testRankStreamsDifferPerRankAndLeaveTheSharedStreamAlone() {
        Torch.manualSeed(9)
        let zero = RankRandomStreams(seed: 9, rank: 0)
        let ownZero = zero.withRankStream { Tensor.randn([4]).floats() }
        let sharedAfterRankDraw = Tensor.randn([4]).floats()
        Torch.manualSeed(9)
        XCTAssertEqual(Tensor.randn([4]).floats(), sharedAfterRankDraw, "a rank-stream draw moved the shared stream")
        let one = RankRandomStreams(seed: 9, rank: 1)
        XCTAssertNotEqual(one.withRankStream { Tensor.randn([4]).floats() }, ownZero)
        XCTAssertEqual(RankRandomStreams(seed: 9, rank: 0).withRankStream { Tensor.randn([4]).floats() }, ownZero)
    }

    // MARK: - helpers

    static var testBinary: URL { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }

    struct Rank {
        let process: Process
        let errors: Pipe
        func standardError() -> String {
            String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
    }

    /// Two rank processes with torchrun's environment, each with its standard error captured.
    func startRanks(role: String, extra: [String: String] = [:]) throws -> [Rank] {
        let port = try LocalLauncher.freeLoopbackPort()
        return try (0..<2).map { rank in
            let p = Process()
            p.executableURL = Self.testBinary
            p.arguments = [Self.entryPoint]
            var env = ProcessInfo.processInfo.environment
            env["GRADSTYLE_DDP_TEST_ROLE"] = role
            env.merge(extra) { _, new in new }
            env.merge(DistributedEnvironment(rank: rank, worldSize: 2, localRank: rank, masterAddress: "127.0.0.1",
                                             masterPort: port).variables) { _, new in new }
            p.environment = env
            let errors = Pipe()
            p.standardError = errors
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            return Rank(process: p, errors: errors)
        }
    }

    /// Waits for every rank until `deadline`; kills the ones still running then (and returns false).
    func waitAll(_ ranks: [Rank], deadline: Date) -> Bool {
        while ranks.contains(where: { $0.process.isRunning }) && Date() < deadline { usleep(50_000) }
        let finished = !ranks.contains { $0.process.isRunning }
        for r in ranks where r.process.isRunning { kill(r.process.processIdentifier, SIGKILL) }
        for r in ranks { r.process.waitUntilExit() }
        return finished
    }
}

final class DistributedStartTests: XCTestCase {
    func testChoosesSingleLaunchOrRankFromTheValuesGiven() throws {
        let rankEnv = ["WORLD_SIZE": "2", "RANK": "1", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500"]
        XCTAssertEqual(try DistributedStart.decide(processes: nil, environment: [:]), .singleProcess)
        XCTAssertEqual(try DistributedStart.decide(processes: 1, environment: [:]), .singleProcess)
        XCTAssertEqual(try DistributedStart.decide(processes: 3, environment: [:]), .launch(processes: 3))
        XCTAssertEqual(try DistributedStart.decide(processes: nil, environment: rankEnv),
                       .rank(DistributedEnvironment(rank: 1, worldSize: 2, localRank: 1, masterAddress: "127.0.0.1", masterPort: 29500)))
        var one = rankEnv
        (one["WORLD_SIZE"], one["RANK"]) = ("1", "0")
        XCTAssertEqual(try DistributedStart.decide(processes: nil, environment: one), .singleProcess)
        XCTAssertThrowsError(try DistributedStart.decide(processes: 2, environment: rankEnv)) {
            XCTAssertTrue("\($0)".contains("inside rank 1 of a distributed run"), "\($0)")
        }
        XCTAssertThrowsError(try DistributedStart.decide(processes: 0, environment: [:]))
    }
}
