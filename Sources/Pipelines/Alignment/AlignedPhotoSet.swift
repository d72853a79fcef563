import FaceLandmarks
import Foundation
import ImageIO
import Models
import TensorIO

/// `--align` for `invert` and `edit`: each photo's largest face is FFHQ-aligned into a temporary folder of crops
/// (named by the photo's output name), the verb runs on those crops, and its face images are pasted back into the
/// photos (`FacePasteBack`) at the photos' own size. Photos without a face (or that cannot be read) are left out
/// with one line each in `failures`.
public final class AlignedPhotoSet {
    public struct Entry {
        public let photo: URL
        /// Output name (file stem, made unique as the verbs do).
        public let name: String
        public let transform: FaceTransform
    }

    public let folder: URL
    public let crops: URL
    public private(set) var entries: [Entry] = []
    public private(set) var failures: [String] = []
    public let side: Int

    /// Aligns every photo of `images` to `side`² crops (FFHQ's 4× transform).
    public init(_ images: InputImages, side: Int, predictorPath: String = FaceLandmarkDetector.defaultPredictorPath,
                quiet: Bool = false, progressOutput: ((String) -> Void)? = nil) throws {
        guard (1...8192).contains(side) else { throw ModelError("the face crop side must be 1...8192, got \(side)") }
        self.side = side
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("gradstyle-align-\(UUID().uuidString)")
        crops = folder.appendingPathComponent("crops")
        try FileManager.default.createDirectory(at: crops, withIntermediateDirectories: true)
        do {
            let detector = try FaceLandmarkDetector(predictorPath: predictorPath)
            let alignment = FaceAlignment(outputSize: side)
            let names = InversionJob.outputNames(images.files)
            let progress = ProgressReporter("align", total: images.count, unit: "img", quiet: quiet, output: progressOutput)
            for (url, name) in zip(images.files, names) {
                defer { progress.advance(by: 1) }
                do {
                    let located = try AlignJob.locate(url, detector: detector, allFaces: false)
                    let aligned = try alignment.align(located.photo, landmarks: located.faces[0].landmarks)
                    try ImageFile.write(aligned.image, to: crops.appendingPathComponent(name + ".png"))
                    entries.append(Entry(photo: url, name: name, transform: aligned.transform))
                } catch {
                    failures.append(AlignJob.line(error, file: url))
                }
            }
            progress.finish()
        } catch {
            remove()
            throw error
        }
    }

    /// The entry whose output name starts the file name `file` (`NAME.png`, `NAME_inversion.png`, …).
    public func entry(forOutput file: String) -> Entry? {
        entries.filter { file == $0.name + ".png" || file.hasPrefix($0.name + "_") }.max { $0.name.count < $1.name.count }
    }

    /// The face image `result` (a square crop of any size, in the crop's geometry) pasted into the entry's photo.
    public func pasteBack(_ result: URL, entry: Entry) throws -> RasterImage {
        let photo = try ImageFile.read(entry.photo)
        let face = try ImageFile.read(result)
        return try FacePasteBack().paste(face, into: photo, transform: entry.transform)
    }

    /// Deletes the temporary folder.
    public func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}
