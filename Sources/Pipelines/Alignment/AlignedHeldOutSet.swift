import FaceLandmarks
import Foundation
import Models

extension HeldOutSet {
    /// Photos as a held-out set: each photo's largest face is FFHQ-aligned (`AlignedPhotoSet`) and the crops are
    /// measured like any folder of images. The crops are made at the larger of the two sizes the set needs, so both
    /// are reached by shrinking. Photos without a face are left out with a note each; none at all is an error.
    public static func alignedPhotos(_ url: URL, count: Int?, inputSize: Int, resolution: Int,
                                     predictorPath: String = FaceLandmarkDetector.defaultPredictorPath,
                                     quiet: Bool = false) throws -> HeldOutSet {
        let photos = try AlignedPhotoSet(try InputImages(url), side: Swift.max(inputSize, resolution),
                                         predictorPath: predictorPath, quiet: quiet)
        defer { photos.remove() }
        guard !photos.entries.isEmpty else {
            throw PipelineError("\(url.path): no face found in any photo (\(photos.failures.joined(separator: "; ")))")
        }
        var set = try HeldOutSet.folder(photos.crops, count: count, inputSize: inputSize, resolution: resolution)
        // The crops' temporary folder means nothing to a reader: name the photos instead.
        set.notes = set.notes.filter { !$0.contains(photos.crops.path) }
            + ["\(set.count) face(s) aligned (FFHQ) from the photos in \(url.path)"]
            + photos.failures.map { "left out: \($0)" }
        return set
    }
}
