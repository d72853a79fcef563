import Dispatch
import Foundation
import ImageIO
import TensorIO

/// A problem with a synthetic-dataset request (bad arguments, an unwritable folder); the description is one line.
public struct SyntheticDataError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// Writes a folder of synthetic portraits with their labels: `000000.png …` (the zero-padded face index),
/// `labels.csv` (one row per image: every attribute and a summary of the details), optionally `details.json`
/// (everything the sampler drew), and `synth.json` (seed, size, indices: what reproduces the folder).
/// Image i depends only on (seed, i), so `--start` continues a dataset and any thread count gives the same bytes.
public enum SyntheticDataset {
    public struct Summary: Sendable {
        public let directory: URL
        public let count: Int
        public let size: Int
        public let seed: UInt64
        public let start: Int
        public let seconds: Double
    }

    /// The allowed image sizes: even, 32 … 512.
    public static let sizes: ClosedRange<Int> = 32...512

    /// File name of face `index`: six digits, zero-padded (more when the index needs them).
    public static func fileName(index: Int) -> String { String(format: "%06d.png", index) }

    /// The labels CSV's columns after `file`: every attribute, then the detail summary.
    public static let attributeColumns: [String] = FaceAttribute.allCases.map(\.column)
    public static let detailColumns = ["hair_style", "fringe", "glasses_style", "freckles", "moles", "marks", "earrings",
                                       "clothing_pattern", "neckline", "background_pattern"]
    public static var header: String { (["file"] + attributeColumns + detailColumns).joined(separator: ",") }

    /// Checks a request; throws a one-line `SyntheticDataError`.
    public static func validate(count: Int, size: Int, start: Int) throws {
        guard count >= 1 else { throw SyntheticDataError("--count must be at least 1, got \(count)") }
        guard sizes.contains(size), size % 2 == 0 else {
            throw SyntheticDataError("--size must be an even number from \(sizes.lowerBound) to \(sizes.upperBound), got \(size)")
        }
        guard start >= 0 else { throw SyntheticDataError("--start must be 0 or more, got \(start)") }
        guard start <= Int(Int32.max) - count else { throw SyntheticDataError("--start + --count is too large") }
    }

    /// One labels row (without newline) for face `index` as the sampler draws it.
    public static func labelsRow(_ sample: FaceSample, index: Int) -> String {
        let a = sample.attributes, d = sample.details
        var fields = [fileName(index: index)]
        fields += FaceAttribute.allCases.map { "\(a[$0])" }
        let earrings = d.earrings.map { "\($0.style.rawValue)-\($0.sides.rawValue)" } ?? "none"
        fields += [d.hair.kind.rawValue, d.hair.fringe.rawValue, d.glasses.shape.rawValue, "\(d.freckles.count)",
                   "\(d.moles.count)", "\(d.marks.count)", earrings, d.clothing.pattern.rawValue,
                   d.clothing.neckline.rawValue, d.background.pattern.rawValue]
        return fields.joined(separator: ",")
    }

    /// Renders faces `start ..< start + count` of `seed` into `directory` (created if missing).
    /// `threads`: images rendered at once (default: every core); the output does not depend on it.
    @discardableResult
    public static func write(count: Int, to directory: URL, size: Int = 64, seed: UInt64 = 0, start: Int = 0,
                             quiet: Bool = false, threads: Int? = nil, writeDetails: Bool = false) throws -> Summary {
        try validate(count: count, size: size, start: start)
        if let threads, threads < 1 { throw SyntheticDataError("--threads must be at least 1, got \(threads)") }
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

    /// One entry of `details.json`.
    public struct DetailsEntry: Codable, Sendable {
        public let file: String
        public let index: Int
        public let sample: FaceSample
    }

    /// Checks that an existing folder takes files, with one-line errors (a missing one is created by the staging).
    static func prepare(_ directory: URL) throws {
        let path = directory.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw SyntheticDataError("--out \(path) exists and is not a directory") }
        guard access(path, W_OK | X_OK) == 0 else {
            throw SyntheticDataError("output directory \(path) is not writable: \(String(cString: strerror(errno)))")
        }
    }

    static func oneLine(_ error: Error) -> String {
        let text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// Rows of a labels CSV written by `SyntheticDataset` (values kept as text; attributes parse with `Double`).
public struct SyntheticLabels: Sendable {
    public let columns: [String]
    public let rows: [[String]]

    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw SyntheticDataError("cannot read labels \(url.path): \(SyntheticDataset.oneLine(error))")
        }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let head = lines.first else { throw SyntheticDataError("labels \(url.path) are empty") }
        columns = head.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        rows = try lines.dropFirst().enumerated().map { n, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == head.split(separator: ",", omittingEmptySubsequences: false).count else {
                throw SyntheticDataError("labels \(url.path) line \(n + 2) has \(fields.count) fields, expected \(head.split(separator: ",").count)")
            }
            return fields
        }
    }

    /// The value of `column` in row `row`, or nil when there is no such column.
    public func value(_ column: String, row: Int) -> String? {
        columns.firstIndex(of: column).map { rows[row][$0] }
    }

    /// The attributes of a row.
    public func attributes(row: Int) -> FaceAttributes? {
        var a = FaceAttributes()
        for attribute in FaceAttribute.allCases {
            guard let text = value(attribute.column, row: row), let v = Double(text) else { return nil }
            a[attribute] = v
        }
        return a
    }
}

extension SyntheticDataset {
    /// A mosaic of faces `start ..< start + count` (at most 256), `columns` across: a quick look at a dataset.
    public static func previewGrid(seed: UInt64, start: Int = 0, count: Int, size: Int, columns: Int = 8) throws -> RasterImage {
        let n = min(max(count, 1), 256)
        let sampler = FaceSampler(seed: seed), renderer = FaceRenderer()
        var tiles = [RasterImage?](repeating: nil, count: n)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: n) { i in
            let image = renderer.render(sampler.sample(start + i), size: size)
            lock.lock()
            tiles[i] = image
            lock.unlock()
        }
        return try ImageGrid.mosaic(tiles.map { $0! }, columns: max(1, columns), padding: 2)
    }
}
