import Foundation
import TensorIO

/// A model file held in memory to be rewritten by `gradstyle bundle`: every tensor as stored (dtype and bytes) and
/// the metadata. Bundles are tens of megabytes, so holding one whole is cheap, and it lets the output replace an
/// input in place.
public struct BundleContents: Equatable {
    public var tensors: StateDict
    public var metadata: [String: String]

    public init(tensors: StateDict, metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads a `.safetensors` file whole. Anything else (a `.pt`, an image, a missing file) is one line naming it
    /// by the path given.
    public static func read(_ url: URL) throws -> BundleContents {
        try namingPathGiven(url) {
            let head = try CheckpointFile.readHeadBytes(url, count: 9)
            // Byte 8 opens the JSON header of every safetensors file (see CheckpointFile).
            guard head.count == 9, head[8] == UInt8(ascii: "{") else {
                throw PipelineError("\(url.relativePath): not a .safetensors file (bundles are the .safetensors files the trainings write)")
            }
            let file = try SafeTensorsFile(contentsOf: url)
            return BundleContents(tensors: try file.stateDict(), metadata: file.metadata)
        }
    }

    /// Writes the file atomically, byte-reproducibly (tensors by dtype then name, metadata keys sorted).
    public func write(to url: URL) throws {
        try Self.checkOutput(url)
        try Self.namingPathGiven(url) { try SafeTensors.write(tensors, metadata: metadata, to: url) }
    }

    /// Refuses an output path that is a folder (before any work, and again before writing).
    public static func checkOutput(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw PipelineError("\(url.relativePath): is a directory, not a file")
        }
    }

    /// Runs `body`, whose reader and writer errors are about `url`, naming `url` as the user gave it (the readers
    /// name the absolute path).
    private static func namingPathGiven<T>(_ url: URL, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as TensorIOError { throw PipelineError("\(url.relativePath): \(e.message)") }
    }

    /// The networks this file carries beside its inversion model, by name (see `BundleNetworks`).
    public var networks: [String] { BundleNetworks.names(in: metadata) }
}
