import Foundation
import ImageIO
import Models
import TensorIO
import Torch

/// `gradstyle generate`: images from a generator, for given W, Z or seeds. Every input is validated before anything
/// runs, and nothing is written unless the whole batch succeeded.
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

    /// Parses `A-B` or `A` (and `A,B,C` lists are not accepted: ranges only, as the contract says).
    public static func parseSeeds(_ text: String) throws -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), let a = Int(parts[0]), let b = Int(parts.last!), a >= 0, b >= a,
              b <= Int(UInt32.max) else {
            throw ModelError("invalid --seeds '\(text)': expected A-B with 0 ≤ A ≤ B < 2^32")
        }
        return a...b
    }

    public func run() throws -> Result {
        guard batch >= 1 else { throw ModelError("--batch must be at least 1, got \(batch)") }
        guard truncation.isFinite else { throw ModelError("--truncation must be a finite number") }
        if out == nil && outNPY == nil { throw ModelError("nothing to write: give --out and/or --out-npy") }
        if let outNPY, outNPY.pathExtension.lowercased() != "npy" {
            throw ModelError("--out-npy \(outNPY.path): expected a .npy file name")
        }
        let loaded = try GeneratorCheckpoint.load(generatorURL, device: device)
        let g = loaded.generator.eval()
        var notes: [String] = []
        if truncation != 1, g.latentAverage == nil {
            notes.append("the checkpoint has no latent_avg / w_avg: truncation centre = mean of 10,000 mapped z")
            g.latentAverage = g.meanLatent(count: 10_000)
        }
        let (codes, isW, names) = try inputs(for: g)
        let n = codes.size(0)
        let progress = ProgressReporter("generate", total: n, unit: "img", quiet: quiet)
        var images: [Tensor] = []
        try withTorchErrors {
            withInferenceMode {
                for start in stride(from: 0, to: n, by: batch) {
                    let chunk = codes.narrow(dim: 0, start: start, length: Swift.min(batch, n - start)).to(device: device)
                    let w: Tensor = isW ? chunk : g.mapping(chunk)
                    let truncated = g.truncate(g.broadcastLatent(w), psi: truncation)
                    images.append(g.synthesis(truncated, noise: noise).to(device: .cpu))
                    progress.advance(by: chunk.size(0))
                }
            }
        }
        progress.finish()
        let all = Tensor.cat(images, dim: 0)
        var written: [URL] = []
        if let outNPY {
            try FileManager.default.createDirectory(at: outNPY.deletingLastPathComponent(), withIntermediateDirectories: true)
            try NPY.write(all.contiguous().hostTensor(as: .float32), to: outNPY)
            written.append(outNPY)
        }
        if let out {
            if out.pathExtension.lowercased() == "png" {
                try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
                let tiles = try ImageTensors.rasterImages(all)
                let columns = Int(Double(tiles.count).squareRoot().rounded(.up))
                try ImageFile.write(try ImageGrid.mosaic(tiles, columns: columns), to: out)
                written.append(out)
            } else {
                try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
                let urls = names.map { out.appendingPathComponent($0 + ".png") }
                try ImageTensors.write(all, to: urls)
                written += urls
            }
        }
        return Result(count: n, resolution: g.size, written: written, notes: notes)
    }

    /// The codes to run (on the CPU), whether they are W, and a file stem per image.
    func inputs(for g: Generator) throws -> (Tensor, Bool, [String]) {
        let d = g.styleDim, l = g.latentCount
        switch source {
        case .w(let url):
            let host = try NPY.read(url)
            let s = host.shape
            let ok = (s.count == 3 && s[1] == l && s[2] == d) || (s.count == 2 && s[1] == d)
            guard ok, s[0] > 0 else {
                throw TensorIOError(url, "W codes have shape \(s); this generator expects N×\(l)×\(d) (W+) or N×\(d)")
            }
            return (Tensor(host).to(.float32), true, (0..<s[0]).map { String(format: "img%04d", $0) })
        case .z(let url):
            let host = try NPY.read(url)
            let s = host.shape
            guard s.count == 2, s[1] == d, s[0] > 0 else {
                throw TensorIOError(url, "z vectors have shape \(s); this generator expects N×\(d)")
            }
            return (Tensor(host).to(.float32), false, (0..<s[0]).map { String(format: "img%04d", $0) })
        case .seeds(let range):
            var values: [Float] = []
            for seed in range {
                var rs = NumpyRandomState(seed: UInt32(seed))
                values += rs.randn(d).map { Float($0) }
            }
            return (Tensor(values, shape: [range.count, d]), false, range.map { String(format: "seed%04d", $0) })
        }
    }
}
