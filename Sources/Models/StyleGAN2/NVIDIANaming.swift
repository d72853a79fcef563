import Foundation
import Torch

/// Maps an NVIDIA stylegan2-ada-pytorch generator state dict (`mapping.fc0.weight`,
/// `synthesis.b8.conv0.affine.weight`, `synthesis.b8.conv0.noise_const`, …) onto the rosinality layout.
///
/// The two implementations compute the same network; the differences are names and a few shapes (NVIDIA keeps the
/// modulated weights 4-D, the constant 3-D, biases 1-D). Kernels are copied as they are, the upsampling convs' too:
/// NVlabs' `conv2d_resample` (up=2, `flip_weight=False`) runs `conv_transpose2d` on the unflipped kernel, exactly as
/// rosinality does. (Kernels converted from the TensorFlow releases are flipped, but that happened in NVlabs'
/// `legacy.py` before any state dict was saved.) NVIDIA's `resample_filter` buffers are dropped: the rosinality
/// modules carry their own `[1,3,3,1]` kernels. Checked against NVlabs' own code by NVIDIAGeneratorParityTests.
public enum NVIDIANaming {
    /// True when the names look like stylegan2-ada-pytorch's generator.
    public static func isNVIDIA(_ names: some Sequence<String>) -> Bool {
        names.contains { $0.hasPrefix("synthesis.b4.") || $0.hasPrefix("mapping.fc0.") }
    }

    /// The rosinality-named tensors, and NVIDIA's `mapping.w_avg` when present.
    public static func toRosinality(_ source: [String: Tensor]) throws -> (tensors: [String: Tensor], wAverage: Tensor?) {
        var out: [String: Tensor] = [:]
        var used = Set<String>()
        func take(_ key: String) throws -> Tensor {
            guard let t = source[key] else { throw ModelError("NVIDIA generator state dict has no '\(key)'") }
            used.insert(key)
            return t
        }

        // Mapping: fc{i} → style.{i+1} (PixelNorm is style.0). The rosinality mapping is w_dim → w_dim throughout.
        if source["mapping.embed.weight"] != nil {
            throw ModelError("NVIDIA generator is conditional (mapping.embed.*, c_dim > 0): not supported")
        }
        if let fc0 = source["mapping.fc0.weight"], fc0.rank == 2, fc0.size(0) != fc0.size(1) {
            throw ModelError("NVIDIA generator has z_dim \(fc0.size(1)) ≠ w_dim \(fc0.size(0)) (mapping.fc0.weight \(fc0.shape)); only z_dim = w_dim is supported")
        }
        var i = 0
        while source["mapping.fc\(i).weight"] != nil {
            out["style.\(i + 1).weight"] = try take("mapping.fc\(i).weight")
            out["style.\(i + 1).bias"] = try take("mapping.fc\(i).bias")
            i += 1
        }

        // Resolutions present: b4, b8, …
        var resolutions: [Int] = []
        var r = 4
        while source["synthesis.b\(r).torgb.weight"] != nil {
            resolutions.append(r)
            r *= 2
        }
        guard resolutions.first == 4 else {
            throw ModelError("NVIDIA generator state dict has no synthesis.b4.torgb.weight: only the 'skip' architecture (a ToRGB in every block) is supported")
        }

        let const = try take("synthesis.b4.const")
        out["input.input"] = const.unsqueeze(dim: 0)

        var noiseIndex = 0
        func layer(_ prefix: String, _ target: String) throws {
            let w = try take("\(prefix).weight")
            out["\(target).conv.weight"] = w.unsqueeze(dim: 0).contiguous()
            out["\(target).conv.modulation.weight"] = try take("\(prefix).affine.weight")
            out["\(target).conv.modulation.bias"] = try take("\(prefix).affine.bias")
            out["\(target).noise.weight"] = try take("\(prefix).noise_strength").reshape([1])
            out["\(target).activate.bias"] = try take("\(prefix).bias")
            let noise = try take("\(prefix).noise_const")
            out["noises.noise_\(noiseIndex)"] = noise.reshape([1, 1, noise.size(0), noise.size(1)])
            noiseIndex += 1
        }
        func toRGB(_ prefix: String, _ target: String) throws {
            out["\(target).conv.weight"] = try take("\(prefix).weight").unsqueeze(dim: 0)
            out["\(target).conv.modulation.weight"] = try take("\(prefix).affine.weight")
            out["\(target).conv.modulation.bias"] = try take("\(prefix).affine.bias")
            out["\(target).bias"] = try take("\(prefix).bias").reshape([1, 3, 1, 1])
        }

        try layer("synthesis.b4.conv1", "conv1")
        try toRGB("synthesis.b4.torgb", "to_rgb1")
        for (k, res) in resolutions.dropFirst().enumerated() {
            try layer("synthesis.b\(res).conv0", "convs.\(2 * k)")
            try layer("synthesis.b\(res).conv1", "convs.\(2 * k + 1)")
            try toRGB("synthesis.b\(res).torgb", "to_rgbs.\(k)")
        }

        let wAverage = source["mapping.w_avg"]
        if wAverage != nil { used.insert("mapping.w_avg") }
        let leftover = source.keys.filter { !used.contains($0) && !$0.hasSuffix("resample_filter") }.sorted()
        if !leftover.isEmpty {
            let shown = leftover.prefix(6).joined(separator: ", ")
            throw ModelError("NVIDIA generator state dict has entries this mapping does not know: \(shown)\(leftover.count > 6 ? ", …" : "") (conditional or non-'skip' generators are not supported)")
        }
        return (out, wAverage)
    }

    /// The inverse mapping (rosinality → NVIDIA names), used by tests and by `gradstyle` conversions.
    public static func fromRosinality(_ source: [String: Tensor], config: GeneratorConfig,
                                      wAverage: Tensor? = nil) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for i in 0..<config.mappingLayers {
            out["mapping.fc\(i).weight"] = source["style.\(i + 1).weight"]
            out["mapping.fc\(i).bias"] = source["style.\(i + 1).bias"]
        }
        if let wAverage { out["mapping.w_avg"] = wAverage }
        out["synthesis.b4.const"] = source["input.input"]!.squeeze(dim: 0)
        var noiseIndex = 0
        func layer(_ target: String, _ prefix: String) {
            out["\(prefix).weight"] = source["\(target).conv.weight"]!.squeeze(dim: 0).contiguous()
            out["\(prefix).affine.weight"] = source["\(target).conv.modulation.weight"]
            out["\(prefix).affine.bias"] = source["\(target).conv.modulation.bias"]
            out["\(prefix).noise_strength"] = source["\(target).noise.weight"]!.reshape([])
            out["\(prefix).bias"] = source["\(target).activate.bias"]
            let n = source["noises.noise_\(noiseIndex)"]!
            out["\(prefix).noise_const"] = n.reshape([n.size(2), n.size(3)])
            noiseIndex += 1
        }
        func toRGB(_ target: String, _ prefix: String) {
            out["\(prefix).weight"] = source["\(target).conv.weight"]!.squeeze(dim: 0)
            out["\(prefix).affine.weight"] = source["\(target).conv.modulation.weight"]
            out["\(prefix).affine.bias"] = source["\(target).conv.modulation.bias"]
            out["\(prefix).bias"] = source["\(target).bias"]!.reshape([3])
        }
        layer("conv1", "synthesis.b4.conv1")
        toRGB("to_rgb1", "synthesis.b4.torgb")
        for (k, res) in config.resolutions.dropFirst().enumerated() {
            layer("convs.\(2 * k)", "synthesis.b\(res).conv0")
            layer("convs.\(2 * k + 1)", "synthesis.b\(res).conv1")
            toRGB("to_rgbs.\(k)", "synthesis.b\(res).torgb")
        }
        return out
    }
}
