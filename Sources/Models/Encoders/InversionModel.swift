import Foundation
import NN
import TensorIO
import Torch

/// What a user inverts with: an encoder, the generator it was trained for, and the mean latent its codes are
/// relative to — the unit pSp / e4e / HFGI ship as one `.pt`, and we as one `.safetensors`.
///
/// As a module its state dict is exactly the references' layout: `encoder.*` (pSp/e4e names), `decoder.*`
/// (rosinality names) and `latent_avg` (n_latent × style_dim).
///
/// Files:
/// - `load(_:)` reads pSp / e4e / HFGI `.pt` checkpoints (`{state_dict: {encoder.*, decoder.*}, latent_avg, opts}`;
///   HFGI's extra `residue.*` / `grid_align.*` are ignored), our inversion-model `.safetensors`, and our encoder
///   training checkpoints (which are inversion models plus training state). Loading is strict; errors name the file
///   and the keys.
/// - `save(to:)` writes `encoder.*`, `decoder.*`, `latent_avg` with both configurations as JSON in the metadata
///   (`gradstyle.encoder`, `gradstyle.generator`) and `gradstyle.format = inversion-model`, atomically.
public final class InversionModel: Module {
    public static let formatKey = "gradstyle.format"
    public static let formatValue = "inversion-model"

    public let encoder: FPNStyleEncoder
    public let generator: Generator
    /// n_latent × style_dim, or nil when the codes are absolute (start_from_latent_avg off and no mean known).
    public private(set) var latentAverage: Tensor?
    /// Where the weights came from ("e4e .pt", "gradstyle", …), for messages.
    public internal(set) var layout = "in memory"
    /// Things the user should know about how the file was read.
    public internal(set) var notes: [String] = []

    /// Pairs an encoder with its generator. `latentAverage` may be D, 1×D or n_latent×D; it also becomes the
    /// generator's truncation centre.
    public init(encoder: FPNStyleEncoder, generator: Generator, latentAverage: Tensor?) throws {
        let c = encoder.config
        guard c.styleCount == generator.latentCount, c.styleDim == generator.styleDim else {
            throw ModelError("the encoder predicts \(c.styleCount)×\(c.styleDim) codes but the generator takes \(generator.latentCount)×\(generator.styleDim)")
        }
        self.encoder = encoder
        self.generator = generator
        super.init()
        registerModule("encoder", encoder)
        registerModule("decoder", generator)
        if let avg = latentAverage { try setLatentAverage(avg) }
    }

    public var encoderConfig: EncoderConfig { encoder.config }
    public var inputSize: Int { encoder.inputSize }

    /// Replaces the mean latent (D, 1×D or n_latent×D).
    public func setLatentAverage(_ avg: Tensor) throws {
        let n = generator.latentCount, d = generator.styleDim
        let s = avg.shape
        let full: Tensor
        if s == [d] || s == [1, d] {
            full = avg.reshape([1, d]).repeat([n, 1])
        } else if s == [n, d] {
            full = avg
        } else {
            throw ModelError("latent_avg has shape \(s); expected [\(d)], [1, \(d)] or [\(n), \(d)]")
        }
        let device = generator.input.input.device
        let value = full.to(.float32, device: device).contiguous().detach()
        if let existing = latentAverage {
            withNoGrad { existing.copy_(value) }
        } else {
            latentAverage = value
            registerBuffer("latent_avg", value)
        }
        syncTruncationCentre()
    }

    /// Moves the model to `device`, the generator's truncation centre included (it is not a registered buffer).
    @discardableResult
    public func move(to device: Device) -> Self {
        to(device: device)
        syncTruncationCentre()
        return self
    }

    /// The generator's truncation centre is one W: the first row of latent_avg (pSp/e4e repeat one mean W).
    func syncTruncationCentre() {
        if let avg = latentAverage { generator.latentAverage = avg.narrow(dim: 0, start: 0, length: 1).clone() }
    }

    /// What is added to the encoder's codes: the mean latent when the encoder was trained relative to it (pSp/e4e
    /// `start_from_latent_avg`), else nil (absolute codes).
    public var codeOffset: Tensor? { encoder.config.startFromLatentAvg ? latentAverage : nil }

    /// W+ codes for images at the encoder's input size (E(x) + w_avg, see `codeOffset`) and the encoder's pyramid.
    public func encode(_ x: Tensor) -> (latent: Tensor, pyramid: FeaturePyramid) {
        encoder.latents(x, meanLatent: codeOffset)
    }

    /// W+ codes for images at the encoder's input size.
    public func latents(_ x: Tensor) -> Tensor { encode(x).latent }

    /// Latents and the generator's images (native resolution, constant noise as the references' inference).
    public func invert(_ x: Tensor, noise: NoiseMode = .const) -> (latents: Tensor, images: Tensor) {
        let w = latents(x)
        return (w, generator.synthesis(w, noise: noise))
    }

    // MARK: - Files

    /// Reads any supported file (see the type's documentation) onto `device`. `encoderType` settles pSp vs e4e for
    /// `.pt` files without `opts.encoder_type`.
    public static func load(_ url: URL, device: Device = .cpu, encoderType: EncoderType? = nil) throws -> InversionModel {
        try load(try CheckpointFile(url), device: device, encoderType: encoderType)
    }

    /// The same from a file already opened (its bytes are not read again).
    public static func load(_ file: CheckpointFile, device: Device = .cpu, encoderType: EncoderType? = nil) throws -> InversionModel {
        let url = file.url
        let weights = try EncoderCheckpoint.read(file, type: encoderType)
        let hasGenerator = file.topLevelKeys.contains { ["state_dict", "decoder", "g_ema"].contains($0) }
        guard hasGenerator else {
            throw TensorIOError(url, "no generator in this file (expected 'decoder.*' weights beside the encoder)")
        }
        let loadedG = try GeneratorCheckpoint.load(file, device: .cpu)
        let encoder = FPNStyleEncoder.make(weights.config)
        do {
            _ = try withTorchErrors { try encoder.loadStateDict(weights.tensors) }
        } catch {
            throw TensorIOError(url, "encoder: \(error)")
        }
        var notes = weights.notes
        var avg = (try file.tensor("latent_avg")).map { Tensor($0) }
        if avg == nil, weights.config.startFromLatentAvg {
            notes.append("the file has no latent_avg: using the mean of 10,000 mapped z (as pSp/e4e do)")
            avg = loadedG.generator.meanLatent(count: 10_000)
        }
        let model: InversionModel
        do {
            model = try InversionModel(encoder: encoder, generator: loadedG.generator, latentAverage: avg)
        } catch let e as ModelError {
            throw TensorIOError(url, e.message)
        }
        model.layout = weights.layout == "pSp/e4e" ? "\(weights.config.type.rawValue) .pt (\(weights.config.type.referenceName))"
            : weights.layout
        model.notes = notes
        return model.move(to: device)
    }

    /// Tensors and metadata of this model as our file stores them (trainers add their own state beside them).
    public func fileContents() throws -> (tensors: StateDict, metadata: [String: String]) {
        var dict = StateDict()
        for (name, t) in stateDict() { dict[name] = t.to(device: .cpu).contiguous().hostTensor() }
        return (dict, [InversionModel.formatKey: InversionModel.formatValue,
                       EncoderCheckpoint.configKey: try StableJSON.string(encoder.config),
                       GeneratorCheckpoint.configKey: try StableJSON.string(generator.config)])
    }

    /// Writes our `.safetensors` inversion model atomically.
    public func save(to url: URL, extraMetadata: [String: String] = [:]) throws {
        var (tensors, metadata) = try fileContents()
        metadata.merge(extraMetadata) { current, _ in current }
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }
}
