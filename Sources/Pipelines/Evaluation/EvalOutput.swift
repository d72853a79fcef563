import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ImageIO
import TensorIO
import Torch

/// File handling shared by the evaluation jobs: reading images with one-line errors, checking destinations before
/// any work, and writing several outputs so that a failure leaves none of them half-done.
enum EvalOutput {
    /// An image as a 1×3×H×W tensor in [-1, 1]; errors name the file by its full path.
    static func readImage(_ url: URL) throws -> Tensor {
        do {
            return try ImageTensors.read(url)
        } catch let error as ImageIOError {
            throw PipelineError("\(url.path): \(error.detail)")
        }
    }

    /// Destinations must be distinct files in existing folders.
    static func checkDestinations(_ urls: [URL]) throws {
        var seen = Set<String>()
        for url in urls {
            let path = url.standardizedFileURL.path
            guard seen.insert(path).inserted else { throw PipelineError("\(url.path): given twice as an output file") }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw PipelineError("\(url.path): is a folder, expected an output file name")
            }
            let parent = url.deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw PipelineError("\(url.path): the folder \(parent) does not exist")
            }
        }
    }

    /// Writes the files all or none: each is first written whole to a temporary beside it (where a full disk or
    /// any other failure shows up), and only when every one is written are they renamed into place, so a failure
    /// never leaves a new CSV beside an older JSON. Temporaries are removed on failure and on SIGINT/SIGTERM.
    static func writeAll(_ outputs: [(Data, URL)]) throws -> [URL] {
        var pending: [AtomicFile.PendingFile] = []
        var registered: [URL] = []
        defer { for temporary in registered { InterruptCleanup.unregister(temporary) } }
        do {
            for (data, url) in outputs {
                pending.append(try AtomicFile.prepare(data, for: url) { temporary in
                    InterruptCleanup.register(temporary)
                    registered.append(temporary)
                })
            }
            try InterruptCleanup.publishing {
                for file in pending { try file.publish() }
            }
        } catch {
            // Unlinking the temporary of a file already published finds nothing: its name was unique.
            for file in pending { file.discard() }
            throw error
        }
        return outputs.map(\.1)
    }

    /// A short list of names for a one-line note.
    static func list(_ urls: [URL], limit: Int = 5) -> String { list(urls.map(\.lastPathComponent), limit: limit) }

    static func list(_ names: [String], limit: Int = 5) -> String {
        let shown = names.prefix(limit).joined(separator: ", ")
        return names.count > limit ? shown + ", … (\(names.count - limit) more)" : shown
    }
}
