import Foundation
import ImageIO
import Models
import SwiftCSV
import Torch

/// A folder of images with a `labels.csv` (a `file` column naming each image relative to the folder, then one
/// numeric column per attribute), as `gradstyle data synth` writes it: every listed image decoded once,
/// centre-cropped to a square, resized to S×S as the classifier resizes, and kept in memory as 8-bit (a quarter
/// of float32's memory, and the files are 8-bit anyway), with its labels in CSV row order.
public struct LabelledImageSet {
    public let root: URL
    /// The image files, in CSV row order.
    public let files: [URL]
    public let attributes: [String]
    /// N×3×S×S uint8 (0…255).
    public let pixels: Tensor
    /// N×K float64 labels, `attributes` order.
    public let labels: Tensor

    public var count: Int { files.count }
    public var size: Int { pixels.size(2) }

    /// Reads `root/labels.csv` and the images it lists. Errors name the file and, for bad values, the row.
    public init(root: URL, attributes: [String], size: Int, quiet: Bool = true) throws {
        guard size >= 1 else { throw PipelineError("image size must be positive, got \(size)") }
        let csvURL = root.appendingPathComponent("labels.csv")
        guard FileManager.default.fileExists(atPath: csvURL.path) else {
            throw PipelineError("\(csvURL.path): no such file (the folder needs a labels.csv with a 'file' column)")
        }
        let csv: CSV<Named>
        do { csv = try CSV<Named>(url: csvURL) } catch { throw PipelineError("\(csvURL.path): cannot read CSV: \(error)") }
        let columns = csv.header
        for name in ["file"] + attributes where !columns.contains(name) {
            throw PipelineError("\(csvURL.path): no column '\(name)' (columns: \(columns.joined(separator: ", ")))")
        }
        guard !csv.rows.isEmpty else { throw PipelineError("\(csvURL.path): no rows") }
        var files: [URL] = [], values: [Double] = []
        for (i, row) in csv.rows.enumerated() {
            let line = i + 2
            let name = row["file"] ?? ""
            guard !name.isEmpty, !name.hasPrefix("/") else {
                throw PipelineError("\(csvURL.path) row \(line): 'file' must name an image relative to the folder, got '\(name)'")
            }
            files.append(root.appendingPathComponent(name))
            for a in attributes {
                guard let v = Double(row[a] ?? ""), v.isFinite else {
                    throw PipelineError("\(csvURL.path) row \(line): '\(row[a] ?? "")' in column '\(a)' is not a number")
                }
                values.append(v)
            }
        }
        let progress = ProgressReporter("load images", total: files.count, unit: "img", quiet: quiet)
        var images: [Tensor] = []
        images.reserveCapacity(files.count)
        for url in files {
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw PipelineError("\(url.path): listed in labels.csv but not found")
            }
            let image: Tensor
            do { image = try ImageTensors.read(url) } catch let e as ImageIOError {
                throw PipelineError("\(url.path): \(e.detail)")
            }
            // The centre square at full resolution, then the classifier's own resize, so training sees images
            // exactly as `AttributeClassifier.predict` will see them.
            let square = SquareCrop.apply(image, resolution: Swift.min(image.size(2), image.size(3)))
            images.append(LabelledImageSet.quantise(AttributeClassifier.resize(square, to: size)))
            progress.advance()
        }
        progress.finish()
        self.root = root
        self.files = files
        self.attributes = attributes
        pixels = Tensor.cat(images, dim: 0)
        labels = Tensor(values, shape: [files.count, attributes.count])
    }

    /// Images `indices` as float32 N×3×S×S in [-1, 1] on `device`.
    public func images(_ indices: [Int], device: Device = .cpu) -> Tensor {
        pixels.indexSelect(dim: 0, index: Tensor(indices: indices)).to(.float32, device: device) / 127.5 - 1
    }

    /// Labels of `indices` (N×K float32) on `device`.
    public func labels(_ indices: [Int], device: Device = .cpu) -> Tensor {
        labels.indexSelect(dim: 0, index: Tensor(indices: indices)).to(.float32, device: device)
    }

    /// [-1, 1] float → 0…255 uint8.
    static func quantise(_ x: Tensor) -> Tensor {
        ((x + 1) * 127.5).round().clamp(min: 0, max: 255).to(.uint8).contiguous()
    }
}
