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

    /// Reads a `.safetensors` file whole. Anything else (a `.pt`, an image, a missing file) is one line naming it.
    public static func read(_ url: URL) throws -> BundleContents {
        let head = try CheckpointFile.readHeadBytes(url, count: 9)
        // Byte 8 opens the JSON header of every safetensors file (see CheckpointFile).
        guard head.count == 9, head[8] == UInt8(ascii: "{") else {
            throw PipelineError("\(url.path): not a .safetensors file (bundles are the .safetensors files the trainings write)")
        }
        let file = try SafeTensorsFile(contentsOf: url)
        return BundleContents(tensors: try file.stateDict(), metadata: file.metadata)
    }

    /// Writes the file atomically, byte-reproducibly (tensors by dtype then name, metadata keys sorted).
    public func write(to url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw PipelineError("\(url.path): is a directory, not a file")
        }
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    /// The networks this file carries beside its inversion model, by name (see `BundleNetworks`).
    public var networks: [String] { BundleNetworks.names(in: metadata) }
}
