import Foundation
import ImageIO
import TensorIO
import Torch

/// The images a user points a verb at (`--input PATH|DIR`): one file, or every PNG/JPEG in a folder (sorted,
/// not recursive), read and brought to the model's square input size. What was changed is said, not hidden:
/// non-square images are center-cropped and other sizes resized, each with a note.
public struct InputImages {
    public let files: [URL]

    public init(_ path: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw TensorIOError(path, "no such file or folder")
        }
        if isDirectory.boolValue {
            let entries = (try? FileManager.default.contentsOfDirectory(at: path, includingPropertiesForKeys: nil)) ?? []
            files = entries.filter { ["png", "jpg", "jpeg"].contains($0.pathExtension.lowercased()) }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            guard !files.isEmpty else { throw TensorIOError(path, "no PNG or JPEG images in this folder") }
        } else {
            files = [path]
        }
    }

    public var count: Int { files.count }

    /// Output names: the file stems, with the extension kept where two inputs share a stem (a.png, a.jpg →
    /// a_png, a_jpg), so one image's results never overwrite another's.
    public var stems: [String] { InputImages.outputNames(files) }

    /// The output names of `files` (see `stems`).
    public static func outputNames(_ files: [URL]) -> [String] {
        let stems = files.map { $0.deletingPathExtension().lastPathComponent }
        var counts: [String: Int] = [:]
        for s in stems { counts[s, default: 0] += 1 }
        return zip(files, stems).map { url, stem in
            counts[stem]! > 1 ? stem + "_" + url.pathExtension.lowercased() : stem
        }
    }

    /// Checks every input before any work: each must exist and start like a PNG or JPEG of at most
    /// `ImageLimits.maxPixels` pixels (read from its header, nothing decoded). Throws naming the first bad file.
    public func checkHeaders() throws {
        for url in files {
            let head: Data
            do {
                let handle = try FileHandle(forReadingFrom: url)
                defer { try? handle.close() }
                head = try handle.read(upToCount: 64 << 10) ?? Data()
            } catch {
                throw ImageIOError(.fileSystem, path: url.path, "cannot read the file")
            }
            guard ImageFormat.detect(head) != nil else {
                throw ImageIOError(head.isEmpty ? .emptyFile : .notAnImage, path: url.path,
                                   head.isEmpty ? "empty file" : "not a PNG or JPEG image")
            }
            try ImageLimits.check(head, name: url.path)
        }
    }

    /// Reads file `i` as 1×3×size×size in [-1, 1]; `notes` receives what was done to it.
    public func load(_ i: Int, size: Int, device: Device = .cpu, notes: inout [String]) throws -> Tensor {
        let url = files[i]
        var x = try ImageTensors.read(url)
        let (h, w) = (x.size(2), x.size(3))
        if h != w {
            let s = Swift.min(h, w)
            x = x.narrow(dim: 2, start: (h - s) / 2, length: s).narrow(dim: 3, start: (w - s) / 2, length: s)
            notes.append("\(url.lastPathComponent): \(w)×\(h) is not square — center-cropped to \(s)×\(s); the models expect aligned, cropped faces (FFHQ-style alignment: `gradstyle align`, or --align)")
        }
        if x.size(2) != size {
            notes.append("\(url.lastPathComponent): resized \(x.size(2))² → \(size)²")
            x = Functional.interpolate(x, size: (size, size), mode: .bilinear, antialias: true).clamp(min: -1, max: 1)
        }
        return x.to(device: device)
    }

    /// Reads files start..<start+count as one batch.
    public func batch(_ range: Range<Int>, size: Int, device: Device = .cpu, notes: inout [String]) throws -> Tensor {
        Tensor.cat(try range.map { try load($0, size: size, device: device, notes: &notes) }, dim: 0)
    }
}
