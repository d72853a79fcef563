import Dispatch
import Foundation
import ImageIO
import SyntheticFaces
import TensorIO

// Writing a synthetic dataset to a folder: the rendering is SyntheticFaces'; staging, the folder lock and progress
// are Pipelines'.
extension SyntheticDataset {
    public struct Summary: Sendable {
        public let directory: URL
        public let count: Int
        public let size: Int
        public let seed: UInt64
        public let start: Int
        public let seconds: Double
    }

    /// Renders faces `start ..< start + count` of `seed` into `directory` (created if missing).
    /// `threads`: images rendered at once (default: every core); the output does not depend on it.
    @discardableResult
    public static func write(count: Int, to directory: URL, size: Int = 64, seed: UInt64 = 0, start: Int = 0,
                             quiet: Bool = false, threads: Int? = nil, writeDetails: Bool = false) throws -> Summary {
        try validate(count: count, size: size, start: start)
        if let threads, threads < 1 { throw SyntheticDataError("the render thread count must be at least 1, got \(threads)") }
        try prepare(directory)
        // Staged and published at the end (under the folder's lock): an interrupted or failed run leaves nothing.
        let staging = try StagingFolder(in: directory)
        do {
            let summary = try write(count: count, staging: staging, size: size, seed: seed, start: start, quiet: quiet,
                                    threads: threads, writeDetails: writeDetails)
            _ = try staging.commit()
            return summary
        } catch {
            staging.discard()
            throw error
        }
    }

    private static func write(count: Int, staging: StagingFolder, size: Int, seed: UInt64, start: Int, quiet: Bool,
                              threads: Int?, writeDetails: Bool) throws -> Summary {
        let directory = staging.destination
        let began = Date()
        let sampler = FaceSampler(seed: seed)
        let renderer = FaceRenderer()

        let progress = ProgressReporter("synth", total: count, unit: "img", quiet: quiet)
        let lock = NSLock()
        var firstError: Error?
        let workers = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, count))
        // Workers take images in an interleaved order; every image depends only on its own index.
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < count {
                lock.lock()
                let stop = firstError != nil
                lock.unlock()
                if stop { return }
                let index = start + i
                do {
                    let image = renderer.render(sampler.sample(index), size: size)
                    try ImageFile.write(image, to: staging.url(for: fileName(index: index)))
                    lock.lock()
                    progress.advance()
                    lock.unlock()
                } catch {
                    lock.lock()
                    if firstError == nil { firstError = error }
                    lock.unlock()
                    return
                }
                i += workers
            }
        }
        if let firstError {
            throw SyntheticDataError("cannot write images to \(directory.path): \(oneLine(firstError))")
        }

        var csv = header + "\n"
        var samples: [(Int, FaceSample)] = []
        for index in start..<start + count {
            let sample = sampler.sample(index)
            csv += labelsRow(sample, index: index) + "\n"
            if writeDetails { samples.append((index, sample)) }
        }
        do {
            try AtomicFile.write(Data(csv.utf8), to: staging.url(for: "labels.csv"))
            let meta: [String: Any] = ["generator": "gradstyle synthetic faces v1", "seed": "\(seed)", "size": size,
                                       "start": start, "count": count]
            try AtomicFile.write(try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys, .prettyPrinted]),
                                 to: staging.url(for: "synth.json"))
            if writeDetails {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let entries = samples.map { DetailsEntry(file: fileName(index: $0.0), index: $0.0, sample: $0.1) }
                try AtomicFile.write(try encoder.encode(entries), to: staging.url(for: "details.json"))
            }
        } catch {
            throw SyntheticDataError("cannot write labels to \(directory.path): \(oneLine(error))")
        }
        progress.finish()
        return Summary(directory: directory, count: count, size: size, seed: seed, start: start,
                       seconds: Date().timeIntervalSince(began))
    }


    /// Checks that an existing folder takes files, with one-line errors (a missing one is created by the staging).
    private static func prepare(_ directory: URL) throws {
        let path = directory.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw SyntheticDataError("output directory \(path) exists and is not a directory") }
        guard access(path, W_OK | X_OK) == 0 else {
            throw SyntheticDataError("output directory \(path) is not writable: \(String(cString: strerror(errno)))")
        }
    }

}

/// `data synth`: a synthetic dataset into a folder, and optionally a preview mosaic of its first (up to 64) faces.
public struct SyntheticDataJob {
    public var count: Int
    public var directory: URL
    public var size = 64
    public var seed: UInt64 = 0
    public var start = 0
    public var threads: Int?
    public var writeDetails = false
    /// A .png/.jpg file for the preview mosaic.
    public var grid: URL?
    public var quiet = false

    public init(count: Int, directory: URL) {
        self.count = count
        self.directory = directory
    }

    /// The image sizes the renderer makes (even ones in this range).
    public static var sizes: ClosedRange<Int> { SyntheticDataset.sizes }

    /// Whether `path` can take the preview mosaic (a .png/.jpg file name, not a folder), checked before the dataset
    /// is written, not after; the error names the path as given.
    public static func checkGrid(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw PipelineError("\(path) is a folder; give a .png or .jpg file name")
        }
        do { _ = try ImageFile.outputFormat(for: URL(fileURLWithPath: path)) } catch {
            throw PipelineError("\(path): \(error)")
        }
    }

    @discardableResult
    public func run() throws -> SyntheticDataset.Summary {
        let summary = try SyntheticDataset.write(count: count, to: directory, size: size, seed: seed, start: start,
                                                 quiet: quiet, threads: threads, writeDetails: writeDetails)
        if let grid {
            let image = try SyntheticDataset.previewGrid(seed: seed, start: start, count: min(count, 64), size: size)
            try ImageFile.write(image, to: grid)
        }
        return summary
    }
}
