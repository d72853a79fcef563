import Foundation
import ImageIO
import Models
import TensorIO
import Torch

/// `gradstyle generate`: images from a generator, for given W, Z or seeds. Every input is validated before anything
/// runs, and nothing is written unless the whole run succeeded.
///
/// A folder output streams: each batch of codes is made (seeds drawn lazily), rendered and written into a staging
/// folder as it comes, with progress, so `--seeds 0-100000000` needs memory for one batch, not for every code. A
/// grid (`--out X.png`) or `--out-npy` holds every image in memory, so its size is bounded (`maxInMemoryBytes`).
public struct GenerateJob {
    public enum Source {
        /// N×L×D W+ codes, or N×D broadcast to all layers; fed to synthesis directly.
        case w(URL)
        /// N×D z vectors, through the mapping network.
        case z(URL)
        /// z drawn per seed as numpy's RandomState(seed).randn(1, D), as the reference scripts do.
        case seeds(ClosedRange<Int>)
    }

    public var generatorURL: URL
    public var source: Source
    public var truncation: Double = 1
    public var noise: NoiseMode = .const
    /// A folder (one PNG per image) or a `.png` path (one grid).
    public var out: URL?
    /// float32 N×3×H×W raw generator output, not clamped.
    public var outNPY: URL?
    public var batch: Int = 8
    public var device: Device = .cpu
    public var quiet = false
    /// The most bytes of float32 images a grid or `outNPY` may gather in memory.
    public var maxInMemoryBytes = InMemoryLimit.bytes

    public init(generatorURL: URL, source: Source) {
        self.generatorURL = generatorURL
        self.source = source
    }

    public struct Result {
        public let count: Int
        public let resolution: Int
        public let written: [URL]
        public let notes: [String]
    }

    /// The noise mode `name` stands for (const, random or none), nil for any other name.
    public static func noiseMode(named name: String) -> NoiseMode? { NoiseMode(rawValue: name) }

    /// Parses `A-B` or `A` (and `A,B,C` lists are not accepted: ranges only, as the contract says).
    public static func parseSeeds(_ text: String) throws -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), let a = Int(parts[0]), let b = Int(parts.last!), a >= 0, b >= a,
              b <= Int(UInt32.max) else {
            throw ModelError("invalid seed range '\(text)': expected A-B with 0 ≤ A ≤ B < 2^32")
        }
        return a...b
    }

    var isFolderOutput: Bool { out.map { $0.pathExtension.lowercased() != "png" } ?? false }

    public func run() throws -> Result {
        guard batch >= 1 else { throw ModelError("the batch size must be at least 1, got \(batch)") }
        guard truncation.isFinite else { throw ModelError("the truncation must be a finite number, got \(truncation)") }
        if out == nil && outNPY == nil { throw ModelError("nothing to write: no image output and no raw output") }
        if let outNPY, outNPY.pathExtension.lowercased() != "npy" {
            throw ModelError("\(outNPY.path): expected a .npy file name for the raw output")
        }
        let loaded = try GeneratorCheckpoint.load(generatorURL, device: device)
        let g = loaded.generator.eval()
        var notes: [String] = []
        let codes = try inputs(for: g)
        let n = codes.count
        let gathers = outNPY != nil || (out != nil && !isFolderOutput)
        let imageBytes = 3 * g.size * g.size * 4
        if gathers, n > maxInMemoryBytes / imageBytes {
            throw ModelError("\(n) images of \(g.size)² do not fit in memory for a grid or a raw .npy output (at most "
                             + "\(maxInMemoryBytes / imageBytes)); write them to a folder, which streams")
        }
        if truncation != 1, g.latentAverage == nil {
            notes.append("the checkpoint has no latent_avg / w_avg: truncation centre = mean of 10,000 mapped z")
            g.latentAverage = g.meanLatent(count: 10_000)
        }
        // A folder output is staged (and locked) from the start; the single files are written atomically.
        let staging: StagingFolder? = try isFolderOutput ? StagingFolder(in: out!) : nil
        do {
            let progress = ProgressReporter("generate", total: n, unit: "img", quiet: quiet)
            var gathered: [Tensor] = []
            for start in stride(from: 0, to: n, by: batch) {
                let range = start..<Swift.min(start + batch, n)
                let images = try withTorchErrors {
                    withInferenceMode { () -> Tensor in
                        let chunk = codes.make(range).to(device: device)
                        let w: Tensor = codes.isW ? chunk : g.mapping(chunk)
                        let truncated = g.truncate(g.broadcastLatent(w), psi: truncation)
                        return g.synthesis(truncated, noise: noise).to(device: .cpu)
                    }
                }
                if let staging {
                    try ImageTensors.write(images, to: range.map { staging.url(for: codes.name($0) + ".png") })
                }
                if gathers { gathered.append(images) }
                progress.advance(by: range.count)
            }
            progress.finish()
            var written: [URL] = []
            if gathers {
                let all = Tensor.cat(gathered, dim: 0)
                if let outNPY {
                    try FileManager.default.createDirectory(at: outNPY.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try NPY.write(all.contiguous().hostTensor(as: .float32), to: outNPY)
                    written.append(outNPY)
                }
                if let out, !isFolderOutput {
                    try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
                    let tiles = try ImageTensors.rasterImages(all)
                    let columns = Int(Double(tiles.count).squareRoot().rounded(.up))
                    try ImageFile.write(try ImageGrid.mosaic(tiles, columns: columns), to: out)
                    written.append(out)
                }
            }
            if let staging { written += try staging.commit() }
            return Result(count: n, resolution: g.size, written: written, notes: notes)
        } catch {
            staging?.discard()
            throw error
        }
    }

    /// The codes to run, made a batch at a time (on the CPU), whether they are W, and a file stem per image.
    struct Codes {
        let count: Int
        let isW: Bool
        let make: (Range<Int>) -> Tensor
        let name: (Int) -> String
    }

    func inputs(for g: Generator) throws -> Codes {
        let d = g.styleDim, l = g.latentCount
        switch source {
        case .w(let url):
            let host = try NPY.read(url)
            let s = host.shape
            let ok = (s.count == 3 && s[1] == l && s[2] == d) || (s.count == 2 && s[1] == d)
            guard ok, s[0] > 0 else {
                throw TensorIOError(url, "W codes have shape \(s); this generator expects N×\(l)×\(d) (W+) or N×\(d)")
            }
            try FiniteValues.check(host, label: "the W array", path: url.path, limit: FiniteValues.latentLimit)
            let all = Tensor(host).to(.float32)
            return Codes(count: s[0], isW: true, make: { all.narrow(dim: 0, start: $0.lowerBound, length: $0.count) },
                         name: { String(format: "img%04d", $0) })
        case .z(let url):
            let host = try NPY.read(url)
            let s = host.shape
            guard s.count == 2, s[1] == d, s[0] > 0 else {
                throw TensorIOError(url, "z vectors have shape \(s); this generator expects N×\(d)")
            }
            try FiniteValues.check(host, label: "the z array", path: url.path, limit: FiniteValues.latentLimit)
            let all = Tensor(host).to(.float32)
            return Codes(count: s[0], isW: false, make: { all.narrow(dim: 0, start: $0.lowerBound, length: $0.count) },
                         name: { String(format: "img%04d", $0) })
        case .seeds(let seeds):
            return Codes(count: seeds.count, isW: false, make: { range in
                var values: [Float] = []
                for i in range {
                    var rs = NumpyRandomState(seed: UInt32(seeds.lowerBound + i))
                    values += rs.randn(d).map { Float($0) }
                }
                return Tensor(values, shape: [range.count, d])
            }, name: { String(format: "seed%04d", seeds.lowerBound + $0) })
        }
    }
}
