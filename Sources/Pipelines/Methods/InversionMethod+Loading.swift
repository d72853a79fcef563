import Foundation
import Models
import TensorIO
import Torch

/// Loading methods from model files. Each load opens the file once (`CheckpointFile`) and reads the encoder, the
/// generator, the mean latent and the networks from that one opening; the methods of one bundle share one
/// `InversionModel`. Models are in evaluation mode (batch norm on its running statistics).
extension InversionMethod {
    /// The method `name` from a model file; nil picks hfgi for a file with HFGI's networks, else `fallback`.
    /// `encoderType` settles pSp vs e4e for `.pt` files that do not say.
    public static func load(_ url: URL, name: Name?, fallback: Name = .e4e, encoderType: EncoderType? = nil,
                            device: Device = .cpu) throws -> InversionMethod {
        let file = try CheckpointFile(url)
        return try load(file, name: name ?? (HFGIModel.isHFGI(file) ? .hfgi : fallback), encoderType: encoderType, device: device)
    }

    /// The method `name` from a file already opened.
    public static func load(_ file: CheckpointFile, name: Name, encoderType: EncoderType? = nil,
                            device: Device = .cpu) throws -> InversionMethod {
        switch name {
        case .e4e:
            return e4e(try InversionModel.load(file, device: device, encoderType: encoderType).eval(), source: file.url)
        case .gradstyle, .singleStage:
            let prefix = name == .gradstyle ? GradStyleBundle.mainPrefix : GradStyleBundle.singleStagePrefix
            let inversion = try InversionModel.load(file, device: device, encoderType: encoderType).eval()
            return try network(file, prefix: prefix, on: inversion, device: device)
        case .hfgi:
            return hfgi(try HFGIModel.load(file, device: device).eval(), source: file.url)
        }
    }

    /// Every method of a bundle, in the file's prefix order: e4e, then one per GradStyle network under `prefixes`,
    /// all on the one inversion model read from the file.
    public static func bundle(_ file: CheckpointFile, prefixes: [String], device: Device = .cpu) throws -> [InversionMethod] {
        let inversion = try InversionModel.load(file, device: device).eval()
        return try [e4e(inversion, source: file.url)] + prefixes.map { try network(file, prefix: $0, on: inversion, device: device) }
    }

    static func network(_ file: CheckpointFile, prefix: String, on inversion: InversionModel, device: Device) throws -> InversionMethod {
        network(try GradStyleBundle.loadNetwork(file, prefix: prefix, device: device), prefix: prefix, on: inversion, source: file.url)
    }
}
