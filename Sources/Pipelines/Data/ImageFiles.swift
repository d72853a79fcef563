import Foundation

/// The project's one rule for which files of a folder are images, used by every verb that reads a folder (inputs
/// of invert/edit/align/eval through `InputImages`, training datasets, FID): regular files named `.png`, `.jpg` or
/// `.jpeg` in any case, found in subfolders too (as the references walk a folder: e4e's `make_dataset` over
/// `os.walk`, torchvision's `ImageFolder`), hidden files and folders skipped, sorted by relative path in byte order
/// so every run and machine sees the same order. Other files are ignored, not errors.
public enum ImageFiles {
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    public static func isImage(_ url: URL) -> Bool { extensions.contains(url.pathExtension.lowercased()) }

    /// The image files under `directory` (recursively, or only its direct entries), sorted.
    public static func list(_ directory: URL, recursive: Bool) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw PipelineError("\(directory.path): no such folder")
        }
        guard isDirectory.boolValue else { throw PipelineError("\(directory.path): not a folder") }
        // A folder given through a symbolic link is walked as the folder it names (the walker does not enter links).
        let root = directory.resolvingSymlinksInPath().standardizedFileURL
        var found: [(relative: String, url: URL)] = []
        if recursive {
            guard let walker = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else {
                throw PipelineError("\(directory.path): cannot list folder")
            }
            for case let url as URL in walker where isImage(url) {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
                found.append((relativePath(url, under: root), url))
            }
        } else {
            let entries: [URL]
            do {
                entries = try FileManager.default.contentsOfDirectory(
                    at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            } catch {
                throw PipelineError("\(directory.path): cannot list folder (\(error.localizedDescription))")
            }
            for url in entries where isImage(url) {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
                found.append((url.lastPathComponent, url))
            }
        }
        // Byte order, not locale order: the same list on every machine.
        let sorted = found.sorted { Array($0.relative.utf8).lexicographicallyPrecedes($1.relative.utf8) }
        // Through a link, the files are named under the folder as given (output names and messages use it).
        let given = directory.standardizedFileURL
        guard given.path != root.path else { return sorted.map(\.url) }
        return sorted.map { given.appendingPathComponent($0.relative) }
    }

    static func relativePath(_ url: URL, under root: URL) -> String {
        let full = url.standardizedFileURL.path, base = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return full.hasPrefix(base) ? String(full.dropFirst(base.count)) : full
    }
}
