import Dispatch
import Foundation
import ImageIO

/// A problem with a synthetic-dataset request (bad arguments, an unwritable folder); the description is one line.
public struct SyntheticDataError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// What a folder of synthetic portraits holds: `000000.png …` (the zero-padded face index), `labels.csv` (one row
/// per image: every attribute and a summary of the details), optionally `details.json` (everything the sampler drew),
/// and `synth.json` (seed, size, indices: what reproduces the folder). Image i depends only on (seed, i), so a run
/// from `start` continues a dataset. Writing the folder (staged, with progress) is Pipelines' `SyntheticDataset.write`.
public enum SyntheticDataset {
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
        guard count >= 1 else { throw SyntheticDataError("the face count must be at least 1, got \(count)") }
        guard sizes.contains(size), size % 2 == 0 else {
            throw SyntheticDataError("the image size must be an even number from \(sizes.lowerBound) to \(sizes.upperBound), got \(size)")
        }
        guard start >= 0 else { throw SyntheticDataError("the first face index must be 0 or more, got \(start)") }
        guard start <= Int(Int32.max) - count else { throw SyntheticDataError("the last face index \(start) + \(count) − 1 is beyond \(Int32.max)") }
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

    /// One entry of `details.json`.
    public struct DetailsEntry: Codable, Sendable {
        public let file: String
        public let index: Int
        public let sample: FaceSample

        public init(file: String, index: Int, sample: FaceSample) {
            self.file = file
            self.index = index
            self.sample = sample
        }
    }

    /// An error's text on one line.
    public static func oneLine(_ error: Error) -> String {
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
