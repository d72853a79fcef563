import FaceLandmarks
import Foundation
import ImageIO
import Models
import TensorIO

/// `gradstyle align`: photos → FFHQ-aligned face crops (`FaceAlignment`) with their transforms.
///
/// Per input STEM it writes STEM.png and STEM.json (the largest face), or with `allFaces` STEM_faceK.png /
/// STEM_faceK.json for every face, K = 0, 1, … from the largest. The JSON holds the source file, dlib's box,
/// the 68 landmarks and the `FaceTransform`. A photo with no face, or one that cannot be read, is one line in
/// `failures` and the others go on; the files for the photos that worked are published together at the end
/// (staged, then moved into place).
public struct AlignJob {
    public var input: URL
    public var out: URL
    public var outputSize = 1024
    /// nil: FFHQ's 4 × outputSize.
    public var transformSize: Int?
    public var allFaces = false
    public var predictorPath = FaceLandmarkDetector.defaultPredictorPath
    public var quiet = false
    public var progressOutput: ((String) -> Void)?

    public init(input: URL, out: URL) {
        self.input = input
        self.out = out
    }

    public struct Result {
        public let photos: Int
        public let faces: Int
        public let written: [URL]
        /// One line per photo that produced nothing ("FILE: no face found", a read error, …).
        public let failures: [String]
    }

    /// What is written beside each crop.
    public struct Record: Codable, Equatable {
        public var source: String
        public var face: Int
        /// dlib's box: left, top, right, bottom (inclusive pixel bounds).
        public var box: [Int]
        public var landmarks: [[Double]]
        public var transform: FaceTransform
    }

    public func run() throws -> Result {
        guard (1...8192).contains(outputSize) else { throw ModelError("the output size must be between 1 and 8192, got \(outputSize)") }
        let images = try InputImages(input)
        let names = InversionJob.outputNames(images.files)
        let detector = try FaceLandmarkDetector(predictorPath: predictorPath)
        let alignment = FaceAlignment(outputSize: outputSize, transformSize: transformSize)
        let staging = try StagingFolder(in: out)
        do {
            let progress = ProgressReporter("align", total: images.count, unit: "img", quiet: quiet, output: progressOutput)
            var failures: [String] = []
            var faceCount = 0
            for (i, url) in images.files.enumerated() {
                defer { progress.advance(by: 1) }
                do {
                    let located = try AlignJob.locate(url, detector: detector, allFaces: allFaces)
                    for (k, face) in located.faces.enumerated() {
                        let aligned = try alignment.align(located.photo, landmarks: face.landmarks)
                        let stem = allFaces ? "\(names[i])_face\(k)" : names[i]
                        try ImageFile.write(aligned.image, to: staging.url(for: stem + ".png"))
                        let record = Record(source: url.lastPathComponent, face: k,
                                            box: [face.left, face.top, face.right, face.bottom],
                                            landmarks: face.landmarks.map { [$0.x, $0.y] }, transform: aligned.transform)
                        try AtomicFile.write(try AlignJob.json(record), to: staging.url(for: stem + ".json"))
                        faceCount += 1
                    }
                } catch {
                    failures.append(AlignJob.line(error, file: url))
                }
            }
            progress.finish()
            let written = try staging.commit()
            return Result(photos: images.count, faces: faceCount, written: written, failures: failures)
        } catch {
            staging.discard()
            throw error
        }
    }

    /// The photo (orientation applied) and its faces, largest first (only the largest unless `allFaces`);
    /// throws "FILE: no face found" when there is none.
    static func locate(_ url: URL, detector: FaceLandmarkDetector, allFaces: Bool) throws -> (photo: RasterImage, faces: [DetectedFace]) {
        let photo = try ImageFile.read(url)
        let faces = try detector.detect(in: photo).sorted { $0.area > $1.area }
        guard !faces.isEmpty else { throw ModelError("\(url.lastPathComponent): no face found") }
        return (photo, allFaces ? faces : [faces[0]])
    }

    static func json(_ record: Record) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(record) + Data("\n".utf8)
    }

    /// One line naming the photo as align's records do, by its name: an error that names it already (the codecs
    /// give its whole path) is not named twice.
    static func line(_ error: Error, file: URL) -> String {
        var text = "\(error)".replacingOccurrences(of: "\n", with: " ")
        for name in [file.path, file.lastPathComponent] where text.hasPrefix(name + ": ") {
            text.removeFirst(name.count + 2)
            break
        }
        return "\(file.lastPathComponent): \(text)"
    }
}
