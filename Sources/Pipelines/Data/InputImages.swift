import Foundation
import ImageIO
import TensorIO
import Torch

/// The images a user points a verb at (`--input PATH|DIR`): one file, or the images of a folder by the same rule
/// as every other verb that reads a folder (`ImageFiles`: PNG/JPEG by extension in any case, in subfolders too,
/// hidden entries skipped, sorted by relative path), each brought to the model's square input size by the same
/// crop as the training datasets (`SquareCrop`: torchvision's Resize + CenterCrop). So `edit` and `train` pointed at
/// one folder see the same images, cut the same way. What was changed is said, not hidden: a note per image.
public struct InputImages {
    public let files: [URL]
    /// Output names, one per file (see `stems`).
    public let stems: [String]

    public init(_ path: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw TensorIOError(path, "no such file or folder")
        }
        if isDirectory.boolValue {
            files = try ImageFiles.list(path, recursive: true)
            guard !files.isEmpty else { throw TensorIOError(path, "no PNG or JPEG images in this folder or its subfolders") }
            let root = path.standardizedFileURL
            stems = InputImages.outputNames(relativePaths: files.map { ImageFiles.relativePath($0, under: root) })
        } else {
            files = [path]
            stems = InputImages.outputNames(files)
        }
    }

    public var count: Int { files.count }

    /// The output names of `files` given by name alone (see `outputNames(relativePaths:)`).
    public static func outputNames(_ files: [URL]) -> [String] {
        outputNames(relativePaths: files.map(\.lastPathComponent))
    }

    /// Output names: the relative path without its extension, `/` written `_` (sub/a.png → sub_a), the extension
    /// kept where two inputs would share a name (a.png, a.jpg → a_png, a_jpg), and a counter as the last resort, so
    /// one image's results never overwrite another's.
    public static func outputNames(relativePaths: [String]) -> [String] {
        let parts = relativePaths.map { path -> (stem: String, ext: String) in
            let stem = (path as NSString).deletingPathExtension.replacingOccurrences(of: "/", with: "_")
            return (stem, (path as NSString).pathExtension.lowercased())
        }
        var counts: [String: Int] = [:]
        for p in parts { counts[p.stem, default: 0] += 1 }
        var names = parts.map { counts[$0.stem]! > 1 ? $0.stem + "_" + $0.ext : $0.stem }
        var used = Set<String>()
        for i in names.indices {
            var name = names[i], n = 2
            while used.contains(name) { name = names[i] + "_\(n)"; n += 1 }
            names[i] = name
            used.insert(name)
        }
        return names
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
        let x = try ImageTensors.read(url)
        let (h, w) = (x.size(2), x.size(3))
        if h != w {
            notes.append("\(url.lastPathComponent): \(w)×\(h) is not square — resized on its shorter side and center-cropped to \(size)×\(size); the models expect aligned, cropped faces (FFHQ-style alignment: `gradstyle align`, or --align)")
        } else if h != size {
            notes.append("\(url.lastPathComponent): resized \(h)² → \(size)²")
        }
        return SquareCrop.apply(x, resolution: size).to(device: device)
    }

    /// Reads files start..<start+count as one batch.
    public func batch(_ range: Range<Int>, size: Int, device: Device = .cpu, notes: inout [String]) throws -> Tensor {
        Tensor.cat(try range.map { try load($0, size: size, device: device, notes: &notes) }, dim: 0)
    }
}
