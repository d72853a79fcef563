import Foundation
import ImageIO
import Models
import TensorIO
import Torch

/// `gradstyle inspect FILE`: what a file is and what is in it, without loading more than needed.
public struct Inspection: Codable {
    public var path: String
    public var format: String
    public var topLevelKeys: [String] = []
    public var tensorCount = 0
    public var parameterCount = 0
    /// Element count per dtype.
    public var dtypes: [String: Int] = [:]
    /// Key → one-line description of non-tensor top-level entries (e.g. `opts`).
    public var otherEntries: [String: String] = [:]
    public var metadata: [String: String] = [:]
    /// The architecture recognised from the tensor names and shapes, when one is.
    public var architecture: [String] = []
    /// The first tensors: name, dtype, shape.
    public var sampleTensors: [String] = []

    public var text: String {
        var lines = ["\(path): \(format)"]
        if !topLevelKeys.isEmpty { lines.append("top-level keys: " + topLevelKeys.joined(separator: ", ")) }
        lines.append("tensors: \(tensorCount), elements: \(parameterCount.grouped)")
        if !dtypes.isEmpty {
            lines.append("dtypes: " + dtypes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.grouped)" }.joined(separator: ", "))
        }
        for (k, v) in otherEntries.sorted(by: { $0.key < $1.key }) { lines.append("\(k): \(v)") }
        for (k, v) in metadata.sorted(by: { $0.key < $1.key }) { lines.append("metadata \(k): \(v.count > 200 ? String(v.prefix(200)) + "…" : v)") }
        for a in architecture { lines.append("architecture: \(a)") }
        if !sampleTensors.isEmpty { lines.append("first tensors:") }
        for t in sampleTensors { lines.append("  " + t) }
        return lines.joined(separator: "\n")
    }
}

public enum Inspector {
    public static func inspect(_ url: URL, sampleCount: Int = 12) throws -> Inspection {
        let head = try CheckpointFile.readHeadBytes(url, count: 16)
        if ImageFormat.detect(Data(head)) != nil {
            let decoded = try ImageFile.readDecoded(url)
            var r = Inspection(path: url.path, format: "\(decoded.format.name) image")
            r.architecture = ["\(decoded.image.width)×\(decoded.image.height), \(decoded.image.channels) channel(s)"]
            return r
        }
        let file = try CheckpointFile(url)
        var r = Inspection(path: url.path, format: file.kind == .torch ? "PyTorch checkpoint (.pt)" : file.kind == .npy ? "NumPy array (.npy)" : "safetensors")
        r.topLevelKeys = file.topLevelKeys
        r.metadata = file.metadata
        let tensors = try file.hostTensors()
        r.tensorCount = tensors.count
        for (name, t) in tensors {
            r.parameterCount += t.elementCount
            r.dtypes[DType(t.scalarType).description, default: 0] += t.elementCount
            if r.sampleTensors.count < sampleCount {
                r.sampleTensors.append("\(name) \(DType(t.scalarType)) \(t.shape)")
            }
        }
        if file.kind == .torch {
            for key in r.topLevelKeys {
                if let v = try file.value(key), v.tensorValue == nil, v.entries == nil || v["state_dict"] != nil || key == "opts" {
                    r.otherEntries[key] = summary(v)
                }
            }
        }
        r.architecture = recognise(file)
        return r
    }

    static func summary(_ v: PickleValue) -> String {
        switch v {
        case .dict(let entries):
            let shown = entries.prefix(10).map { "\($0.key.stringValue ?? "?")=\(short($0.value))" }
            return "{" + shown.joined(separator: ", ") + (entries.count > 10 ? ", … (\(entries.count) entries)" : "") + "}"
        default: return short(v)
        }
    }

    static func short(_ v: PickleValue) -> String {
        switch v {
        case .tensor(let t): return "tensor\(t.shape)"
        case .dict(let e): return "dict(\(e.count))"
        case .list(let xs), .tuple(let xs): return xs.count <= 4 ? "[" + xs.map(short).joined(separator: ", ") + "]" : "list(\(xs.count))"
        case .string(let s): return s.count > 40 ? "'" + s.prefix(40) + "…'" : "'\(s)'"
        default: return v.description
        }
    }

    /// Recognised architectures, described in one line each.
    static func recognise(_ file: CheckpointFile) -> [String] {
        var found: [String] = []
        if let weights = try? GeneratorCheckpoint.readWeights(file),
           let config = try? GeneratorCheckpoint.inferConfig(weights.tensors) {
            let widths = config.resolutions.map { "\($0):\(config.channels[$0]!)" }.joined(separator: " ")
            var line = "StyleGAN2 generator (\(weights.layout) layout): \(config.size)², style dim \(config.styleDim), " +
                "mapping depth \(config.mappingLayers), n_latent \(config.latentCount), channels \(widths)"
            if let avg = weights.latentAverage { line += ", mean latent from \(avg.1)" }
            found.append(line)
        }
        if let encoder = try? EncoderCheckpoint.read(file) {
            let b = encoder.config.backbone
            found.append("\(encoder.config.type.referenceName) encoder (\(encoder.layout)): \(encoder.config.inputSize)² input, IR units \(b.units), widths \(b.widths), \(encoder.config.styleCount) styles")
        }
        if HFGIModel.isHFGI(file.url), let c = try? HFGIModel.networks(in: file).config {
            let stacks = { (s: [[IRUnitShape]]) in s.map { "\($0.map(\.depth))" }.joined(separator: " ") }
            found.append("HFGI networks: residual encoder \(c.residueStem) \(stacks(c.residueStacks)) → conditions \(c.conditionChannels) channels at 64²; ADA \(c.alignerStem) \(stacks(c.alignerDown)) up \(stacks(c.alignerUp))")
        }
        for prefix in GradStyleBundle.networkPrefixes(file) {
            if let json = file.metadata[GradStyleBundle.configKey(prefix)],
               let c = try? JSONDecoder().decode(GradStyleConfig.self, from: Data(json.utf8)) {
                found.append("GradStyle network '\(prefix)': stages \(c.stages), \(c.injectPoint), \(c.fusion.rawValue) fusion, \(c.attention.rawValue) attention (select ratio \(String(format: "%.4g", c.selectRatio))), key source \(c.keySource.rawValue), \(c.heads)×\(c.headDim) heads, \(c.alignerBlocks) aligner block(s), residual width \(c.residualChannels), \(c.grmBlocks) GRM block(s)")
            }
        }
        if file.topLevelKeys.contains("d"), let t = try? file.hostTensors(under: "d").tensors(),
           let c = try? Discriminator.inferConfig(t) {
            found.append("StyleGAN2 discriminator: \(c.size)²")
        }
        return found
    }
}
