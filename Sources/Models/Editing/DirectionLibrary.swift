import Foundation
import TensorIO
import Torch

/// The edits available to `gradstyle edit`, from a folder of direction files as e4e/HFGI ship them:
/// - `NAME.pt` / `NAME.npy`: an InterFaceGAN direction (512, 1×512 or L×512) → edit `NAME`, w' = w + s·n;
/// - `*_pca.pt` (GANSpace `ffhq_pca.pt`, `cars_pca.pt`: comp, mean, std) together with `ganspace.json`
///   (`{"smile": [46, 4, 5], …}` = component, first layer, end layer) → edits by those names, s in std units;
/// - `NAME.json` beside a direction may carry `{"scale": "…"}`, the meaning of strength 1.
/// GANSpace edits can also be named inline: `ganspace:PC:START:END`.
public struct DirectionLibrary {
    public private(set) var edits: [String: LatentEdit] = [:]
    var pca: (comp: Tensor, mean: Tensor, std: Tensor)?
    let styleDim: Int

    public init(styleDim: Int) { self.styleDim = styleDim }

    public var names: [String] { edits.keys.sorted() }

    /// Loads every direction file in `folder`. Files that are not directions are skipped; malformed ones are errors.
    public init(folder: URL, styleDim: Int) throws {
        self.styleDim = styleDim
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil) else {
            throw TensorIOError(folder, "cannot read the directions folder")
        }
        for url in entries.sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) {
            let ext = url.pathExtension.lowercased()
            let stem = url.deletingPathExtension().lastPathComponent
            if stem.hasSuffix("_pca"), ext == "pt" || ext == "safetensors" {
                try loadPCA(url)
            } else if ext == "pt" || ext == "npy" {
                let host = ext == "npy" ? try NPY.read(url) : try DirectionLibrary.singleTensor(url)
                try FiniteValues.check(host, label: "direction '\(stem)'", path: url.path, limit: FiniteValues.latentLimit)
                try add(name: stem, vector: Tensor(host).to(.float32), source: url)
            }
        }
        for url in entries where url.pathExtension.lowercased() == "json" {
            let stem = url.deletingPathExtension().lastPathComponent
            let data = try Data(contentsOf: url)
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TensorIOError(url, "not a JSON object")
            }
            if stem == "ganspace" {
                for (name, value) in object {
                    guard let v = value as? [Int], v.count == 3 else {
                        throw TensorIOError(url, "edit '\(name)': expected [component, start, end]")
                    }
                    edits[name] = try ganspaceEdit(name: name, index: v[0], start: v[1], end: v[2], source: url)
                }
            } else if var edit = edits[stem], let scale = object["scale"] as? String {
                edit.scaleNote = scale
                edits[stem] = edit
            }
        }
    }

    /// The style dimension the directions in `folder` are made for: the last dimension of the first InterFaceGAN
    /// direction (by name), or the length of a GANSpace file's mean.
    public static func inferStyleDim(folder: URL) throws -> Int {
        guard let entries = try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil) else {
            throw TensorIOError(folder, "cannot read the directions folder")
        }
        for url in entries.sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) {
            let ext = url.pathExtension.lowercased()
            let stem = url.deletingPathExtension().lastPathComponent
            if stem.hasSuffix("_pca"), ext == "pt" {
                if let mean = try TorchCheckpoint(contentsOf: url).stateDict()["mean"], mean.elementCount > 0 {
                    return mean.elementCount
                }
            } else if ext == "pt" || ext == "npy" {
                let host = ext == "npy" ? try NPY.read(url) : try singleTensor(url)
                if let last = host.shape.last, last > 0 { return last }
            }
        }
        throw TensorIOError(folder, "no direction file to read the style dimension from")
    }

    /// A `.pt` holding one tensor (directly or as the only entry of a dict).
    static func singleTensor(_ url: URL) throws -> HostTensor {
        let tensors = try TorchCheckpoint(contentsOf: url).stateDict()
        guard tensors.count == 1, let name = tensors.names.first, let only = tensors[name] else {
            throw TensorIOError(url, "expected one direction tensor, found \(tensors.count)")
        }
        return only
    }

    public mutating func add(name: String, vector: Tensor, source: URL? = nil, scaleNote: String = "") throws {
        guard vector.count % styleDim == 0, vector.count > 0 else {
            let where_ = source.map { $0.path + ": " } ?? ""
            throw ModelError("\(where_)direction '\(name)' has shape \(vector.shape); expected \(styleDim), 1×\(styleDim) or L×\(styleDim)")
        }
        let layers = vector.count / styleDim
        edits[name] = LatentEdit(name: name, direction: .linear(vector.reshape(layers == 1 ? [styleDim] : [layers, styleDim])),
                                 scaleNote: scaleNote.isEmpty ? "InterFaceGAN: w + s·n" : scaleNote)
    }

    mutating func loadPCA(_ url: URL) throws {
        let file = try TorchCheckpoint(contentsOf: url)
        let t = try file.stateDict()
        guard let comp = t["comp"], let mean = t["mean"], let std = t["std"] else {
            throw TensorIOError(url, "GANSpace file needs 'comp', 'mean' and 'std' (found \(t.names.joined(separator: ", ")))")
        }
        for (label, host) in [("comp", comp), ("mean", mean), ("std", std)] {
            try FiniteValues.check(host, label: "GANSpace '\(label)'", path: url.path, limit: FiniteValues.latentLimit)
        }
        let c = Tensor(comp).to(.float32), m = Tensor(mean).to(.float32), s = Tensor(std).to(.float32)
        guard c.count % styleDim == 0, m.count == styleDim, s.count == c.count / styleDim else {
            throw TensorIOError(url, "GANSpace shapes comp \(c.shape), mean \(m.shape), std \(s.shape) do not fit style dim \(styleDim)")
        }
        pca = (c.reshape([-1, styleDim]), m.reshape([styleDim]), s.reshape([-1]))
    }

    func ganspaceEdit(name: String, index: Int, start: Int, end: Int, source: URL?) throws -> LatentEdit {
        guard let pca else { throw ModelError("edit '\(name)' is a GANSpace edit but no *_pca.pt file was found") }
        guard index >= 0, index < pca.comp.size(0), start >= 0, end > start else {
            throw ModelError("GANSpace edit '\(name)': component \(index) / layers \(start)..<\(end) out of range (\(pca.comp.size(0)) components)")
        }
        return LatentEdit(name: name, direction: .ganspace(components: pca.comp, mean: pca.mean, std: pca.std, index: index,
                                                           start: start, end: end),
                          scaleNote: "GANSpace: s = target coordinate in standard deviations")
    }

    /// The edit called `name`, or an inline `ganspace:PC:START:END`.
    /// The same library restricted to `names` (each must be present).
    public func subset(_ names: [String]) throws -> DirectionLibrary {
        var copy = DirectionLibrary(styleDim: styleDim)
        for name in names { copy.edits[name] = try edit(named: name) }
        return copy
    }

    public func edit(named name: String) throws -> LatentEdit {
        if let e = edits[name] { return e }
        let parts = name.split(separator: ":")
        if parts.count == 4, parts[0] == "ganspace", let i = Int(parts[1]), let s = Int(parts[2]), let e = Int(parts[3]) {
            return try ganspaceEdit(name: name, index: i, start: s, end: e, source: nil)
        }
        let known = names.isEmpty ? "none loaded" : names.joined(separator: ", ")
        throw ModelError("unknown edit '\(name)' (available: \(known))")
    }
}
