import FaceLandmarks
import Foundation
import ImageIO
import Pipelines

/// Turns an uploaded body into an `EditorImage`: checks that it is a PNG or JPEG within the pixel limit before
/// decoding anything, stores it in the server's folder under a name the server makes, and with `align` finds the
/// largest face and FFHQ-aligns it (as `gradstyle align`), keeping the transform to paste results back.
struct ImageIntake {
    let session: EditorSession
    let folder: ServerTempFolder
    /// Loaded on the first aligned upload (dlib's predictor takes a moment to read).
    let detector: () throws -> FaceLandmarkDetector

    func image(id: String, label: String, data: Data, align: Bool) throws -> EditorImage {
        guard !data.isEmpty else { throw EditorError(.badRequest, "the upload is empty: send the image's bytes as the request body") }
        guard let format = ImageFormat.detect(data) else {
            throw EditorError(.unsupportedMediaType, "the upload is not a PNG or JPEG image")
        }
        do {
            try ImageLimits.check(data, name: "upload")
        } catch let error as ImageIOError where error.kind == .tooLarge {
            throw EditorError(.tooLarge, "\(error.detail) (the server's --max-pixels)")
        }
        let file = folder.newFile(prefix: "upload", ext: format == .png ? "png" : "jpg")
        try data.write(to: file)
        var kept = false
        var face = file
        defer {
            // A refused upload leaves nothing behind.
            if !kept { for url in Set([file, face]) { try? FileManager.default.removeItem(at: url) } }
        }
        var notes: [String] = []
        var alignedFrom: (URL, FaceTransform)? = nil
        do {
            if align {
                let photo = try ImageFile.read(file)
                let faces = try detector().detect(in: photo).sorted { $0.area > $1.area }
                guard let largest = faces.first else {
                    throw EditorError(.unprocessable, "no face found in the upload: try another photo, or turn alignment off for a face crop")
                }
                let aligned = try FaceAlignment(outputSize: Swift.max(session.inputSize, session.resolution))
                    .align(photo, landmarks: largest.landmarks)
                face = folder.newFile(prefix: "face", ext: "png")
                try ImageFile.write(aligned.image, to: face)
                alignedFrom = (file, aligned.transform)
                notes.append("face found and aligned (\(faces.count) face\(faces.count == 1 ? "" : "s") in the photo; the largest is used)")
            }
            let (input, original) = try session.load(face, notes: &notes)
            let before = try ImageCodec.encode(try ImageTensors.rasterImages(original)[0], as: .png)
            // Notes name the server's own files; the page only needs what was done.
            notes = notes.map { $0.replacingOccurrences(of: face.lastPathComponent + ": ", with: "") }
            kept = true
            return EditorImage(id: id, label: label, input: input, beforePNG: before, alignedFrom: alignedFrom, notes: notes,
                               files: Array(Set([file, face])))
        } catch let error as ImageIOError {
            throw EditorError(error.kind == .tooLarge ? .tooLarge : .unsupportedMediaType,
                              "the upload could not be read as an image: \(error.detail)")
        }
    }
}
