import Foundation

/// Any checkpoint a user may hand us — our `.safetensors`, a PyTorch `.pt` (zip or legacy), or an `.npy` — opened
/// once and read by top-level key, so a 1 GB pSp checkpoint loads only the part that is asked for.
public struct CheckpointFile {
    public enum Kind: String { case safetensors, torch, npy }

    public let url: URL
    public let kind: Kind
    private let safetensors: SafeTensorsFile?
    private let torch: TorchCheckpoint?

    public var path: String { url.path }

    public init(_ url: URL) throws {
        self.url = url
        let head = try CheckpointFile.readHead(url, count: 16)
        if head.starts(with: [0x93] + Array("NUMPY".utf8)) {
            kind = .npy
            safetensors = nil
            torch = nil
        } else if head.count >= 9, head[8] == UInt8(ascii: "{") {
            // Before the .pt test: a safetensors header length whose low byte is 0x80 (or "PK") looks like a pickle
            // (or a zip) by its first bytes; byte 8 is never "{" in a zip or a torch.save pickle.
            kind = .safetensors
            safetensors = try SafeTensorsFile(contentsOf: url)
            torch = nil
        } else if head.starts(with: Array("PK".utf8)) || head.first == 0x80 {
            kind = .torch
            torch = try TorchCheckpoint(contentsOf: url)
            safetensors = nil
        } else {
            throw TensorIOError(url, "not a checkpoint: expected .safetensors, a PyTorch .pt, or .npy")
        }
    }

    /// The first `count` bytes of a file (fewer when it is shorter).
    public static func readHeadBytes(_ url: URL, count: Int) throws -> [UInt8] { try readHead(url, count: count) }

    static func readHead(_ url: URL, count: Int) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw TensorIOError(url, "no such file")
        }
        guard !isDirectory.boolValue else { throw TensorIOError(url, "is a directory, not a file") }
        guard let handle = try? FileHandle(forReadingFrom: url) else { throw TensorIOError(url, "cannot open file") }
        defer { try? handle.close() }
        return [UInt8]((try? handle.read(upToCount: count)) ?? Data())
    }

    /// Our own metadata (safetensors `__metadata__`); empty for other formats.
    public var metadata: [String: String] { safetensors?.metadata ?? [:] }

    /// The top-level keys: a `.pt`'s dict keys, or the distinct first components of safetensors names.
    public var topLevelKeys: [String] {
        switch kind {
        case .torch: return torch!.topLevelKeys
        case .safetensors:
            var seen = Set<String>(), out = [String]()
            for name in safetensors!.names {
                let first = String(name.split(separator: ".", maxSplits: 1).first ?? Substring(name))
                if seen.insert(first).inserted { out.append(first) }
            }
            return out
        case .npy: return []
        }
    }

    /// All tensors (or those under top-level `key`, with `key.` stripped) by dotted name, on the host.
    public func hostTensors(under key: String? = nil) throws -> StateDict {
        switch kind {
        case .torch:
            return try torch!.stateDict(key: key)
        case .safetensors:
            let all = try safetensors!.stateDict()
            guard let key else { return all }
            if let single = all[key] { return StateDict(uniqueNamesWithTensors: [(key, single)]) }
            return all.selecting(prefix: key + ".")
        case .npy:
            return StateDict(uniqueNamesWithTensors: [(url.deletingPathExtension().lastPathComponent, try NPY.read(url))])
        }
    }

    /// The names under top-level `key` without reading tensor data (a `.pt` dict's keys; a safetensors file's names
    /// after `key.`).
    public func names(under key: String) throws -> [String] {
        switch kind {
        case .torch: return try torch!.keys(under: key)
        case .safetensors: return safetensors!.names.filter { $0.hasPrefix(key + ".") }.map { String($0.dropFirst(key.count + 1)) }
        case .npy: return []
        }
    }

    /// A single tensor stored at top-level `key` (e.g. `latent_avg`), or nil when there is none.
    public func tensor(_ key: String) throws -> HostTensor? {
        switch kind {
        case .torch:
            guard torch!.topLevelKeys.contains(key) else { return nil }
            return try torch!.load(key: key).tensorValue
        case .safetensors:
            return safetensors!.entry(named: key) == nil ? nil : try safetensors!.tensor(named: key)
        case .npy:
            return nil
        }
    }

    /// A non-tensor top-level value of a `.pt` (e.g. pSp/e4e `opts`).
    public func value(_ key: String) throws -> PickleValue? {
        guard kind == .torch, torch!.topLevelKeys.contains(key) else { return nil }
        return try torch!.load(key: key)
    }
}
