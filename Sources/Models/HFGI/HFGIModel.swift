import Foundation
import NN
import TensorIO
import Torch

/// What HFGI's inference produces for a batch and one target code.
public struct HFGIResult {
    /// The final image G(w', conditions), at the generator's resolution (not clamped, as the public script).
    public var image: Tensor
    /// The code the image was made from (w for the reconstruction, w + s·n for an edit).
    public var latent: Tensor
    /// The ADA output (the distortion map aligned to the target code's image).
    public var alignedResidual: Tensor
    /// The conditions (scale, shift) at the injection layer.
    public var scale: Tensor
    public var shift: Tensor
}

/// HFGI (Wang et al., "High-Fidelity GAN Inversion for Image Attribute Editing", Tengfei-Wang/HFGI): an e4e
/// inversion model plus a distortion residual encoder (`residue`) and Adaptive Distortion Alignment (`grid_align`).
///
/// Inference (scripts/inference.py): w = E(x) + latent_avg; the distortion map is x minus the first pass
/// G(w) clamped to [-1, 1] and resized bilinearly to the input size; ADA aligns it to the (clamped, resized) image of
/// the target code w' (w itself for the reconstruction); the residual encoder turns the aligned map into conditions
/// that enter the 64² block after its first (up-sampling) conv as f·(1 + scale) + shift ("consultation fusion");
/// the final image is G(w', conditions). The public code runs every pass on the stored noise (`.const`, the
/// default here).
///
/// As a module its state dict is the public checkpoint's `state_dict`: `encoder.*`, `decoder.*`, `residue.*`,
/// `grid_align.*` (`latent_avg` stays with `inversion`).
public final class HFGIModel: Module {
    /// The generator resolution the conditions enter at (the public code's `i == 7` block).
    public static let injectionResolution = 64

    public let inversion: InversionModel
    public let residue: DistortionResidualEncoder
    public let gridAlign: DistortionAligner
    public let config: HFGIConfig

    public init(inversion: InversionModel, config: HFGIConfig) throws {
        let g = inversion.generator
        guard g.size >= HFGIModel.injectionResolution, let width = g.config.channels[HFGIModel.injectionResolution] else {
            throw ModelError("HFGI injects its conditions at 64², but the generator is \(g.size)²")
        }
        guard width == config.conditionChannels else {
            throw ModelError("HFGI's conditions have \(config.conditionChannels) channels but the generator's 64² feature has \(width)")
        }
        self.inversion = inversion
        self.config = config
        residue = DistortionResidualEncoder(config)
        gridAlign = DistortionAligner(config)
        super.init()
        registerModule("encoder", inversion.encoder)
        registerModule("decoder", inversion.generator)
        registerModule("residue", residue)
        registerModule("grid_align", gridAlign)
        residue.to(device: g.input.input.device)
        gridAlign.to(device: g.input.input.device)
    }

    public var generator: Generator { inversion.generator }
    public var inputSize: Int { inversion.inputSize }

    /// w = E(x) + latent_avg.
    public func latents(_ x: Tensor) -> Tensor { inversion.latents(x) }

    /// An image of the generator clamped to [-1, 1] and resized to the encoder's input size (bilinear,
    /// align_corners false, no antialiasing), as the public code compares it with x.
    public func atInputSize(_ image: Tensor) -> Tensor {
        Functional.interpolate(image.clamp(min: -1, max: 1), size: (inputSize, inputSize), mode: .bilinear)
    }

    /// The distortion map x − G(w) (at the input size) and the first pass G(w).
    public func distortion(_ x: Tensor, latent w: Tensor, noise: NoiseMode = .const) -> (residual: Tensor, firstPass: Tensor) {
        let first = generator.synthesis(w, noise: noise)
        return (x - atInputSize(first), first)
    }

    /// G(w) with the conditions fused into the 64² feature after its first conv.
    public func synthesis(_ w: Tensor, scale: Tensor, shift: Tensor, noise: NoiseMode = .const) -> Tensor {
        generator.synthesis(w, noise: noise) { resolution, point, f in
            guard resolution == HFGIModel.injectionResolution, point == .afterConv0 else { return f }
            return f * (scale + 1) + shift
        }
    }

    /// The HFGI image of `target` (w or an edited code) given the distortion map and the target's plain image.
    public func render(target: Tensor, residual: Tensor, targetImage: Tensor, noise: NoiseMode = .const) -> HFGIResult {
        let aligned = gridAlign(Tensor.cat([residual, atInputSize(targetImage)], dim: 1))
        let (scale, shift) = residue(aligned, size: HFGIModel.injectionResolution)
        let image = synthesis(target, scale: scale, shift: shift, noise: noise)
        return HFGIResult(image: image, latent: target, alignedResidual: aligned, scale: scale, shift: shift)
    }

    /// The high-fidelity reconstruction of x, with the distortion map for later edits.
    public func reconstruct(_ x: Tensor, noise: NoiseMode = .const) -> (result: HFGIResult, residual: Tensor) {
        let w = latents(x)
        let (residual, first) = distortion(x, latent: w, noise: noise)
        return (render(target: w, residual: residual, targetImage: first, noise: noise), residual)
    }

    /// The edited image for `editedLatent` (e.g. w + s·n), from the reconstruction's distortion map.
    public func edit(residual: Tensor, editedLatent: Tensor, noise: NoiseMode = .const) -> HFGIResult {
        let plain = generator.synthesis(editedLatent, noise: noise)
        return render(target: editedLatent, residual: residual, targetImage: plain, noise: noise)
    }

    // MARK: - Files

    /// True when the file holds HFGI's networks (`residue.*` beside the e4e weights).
    /// Reads names only, no tensor data.
    public static func isHFGI(_ url: URL) -> Bool {
        guard let file = try? CheckpointFile(url) else { return false }
        return isHFGI(file)
    }

    /// The same for a file already opened.
    public static func isHFGI(_ file: CheckpointFile) -> Bool {
        guard file.topLevelKeys.contains("state_dict") else { return file.topLevelKeys.contains("residue") }
        return ((try? file.names(under: "state_dict"))?.contains { $0.hasPrefix("residue.") }) ?? false
    }

    /// The residual encoder's and ADA's tensors (names without their prefixes) and the widths they imply.
    public static func networks(in file: CheckpointFile) throws -> (config: HFGIConfig, residue: [String: Tensor], gridAlign: [String: Tensor]) {
        let all = file.topLevelKeys.contains("state_dict") ? try file.hostTensors(under: "state_dict") : try file.hostTensors()
        let residue = all.selecting(prefix: "residue.").tensors()
        let gridAlign = all.selecting(prefix: "grid_align.").tensors()
        guard !residue.isEmpty, !gridAlign.isEmpty else {
            throw TensorIOError(file.url, "not an HFGI model (expected 'residue.*' and 'grid_align.*' weights beside the encoder)")
        }
        do {
            let config = try HFGIConfig.infer(residue: residue.mapValues(\.shape), aligner: gridAlign.mapValues(\.shape))
            return (config, residue, gridAlign)
        } catch let e as ModelError {
            throw TensorIOError(file.url, e.message)
        }
    }

    /// Reads an HFGI checkpoint (`{state_dict: {encoder.*, decoder.*, residue.*, grid_align.*}, latent_avg, opts}`)
    /// by key, strictly, with every width inferred from the tensors.
    public static func load(_ url: URL, device: Device = .cpu) throws -> HFGIModel {
        try load(try CheckpointFile(url), device: device)
    }

    /// The same from a file already opened (its bytes are not read again).
    public static func load(_ file: CheckpointFile, device: Device = .cpu) throws -> HFGIModel {
        let url = file.url
        let (config, residueTensors, alignTensors) = try networks(in: file)
        // HFGI builds e4e unless its opts say GradualStyleEncoder; files without opts get its default.
        let opts: PickleValue? = (try? file.value("opts")) ?? nil
        let saysType = opts?["encoder_type"]?.stringValue != nil
        let inversion = try InversionModel.load(file, device: .cpu, encoderType: saysType ? nil : .e4e)
        inversion.notes.removeAll { $0.hasPrefix("HFGI checkpoint") }
        let model: HFGIModel
        do {
            model = try HFGIModel(inversion: inversion, config: config)
            _ = try withTorchErrors { try model.residue.loadStateDict(residueTensors) }
            _ = try withTorchErrors { try model.gridAlign.loadStateDict(alignTensors) }
        } catch let e as ModelError {
            throw TensorIOError(url, e.message)
        } catch {
            throw TensorIOError(url, "HFGI networks: \(error)")
        }
        inversion.layout = "HFGI .pt"
        inversion.move(to: device)
        model.residue.to(device: device)
        model.gridAlign.to(device: device)
        return model
    }
}
