import Foundation
import NN
import TensorIO
import Torch
import XCTest

/// The deterministic "random" weights the perceptual reference fixtures were made with (Fixtures/README.md):
/// after `manual_seed(seed)`, for every key in sorted order one draw of `randn(shape)`, shaped by the key's role.
/// Python torch and this package share Debian's libtorch, so the draws are the same numbers.
func seededReferenceWeights(_ shapes: [(name: String, shape: [Int])], seed: UInt64) -> [String: Tensor] {
    Torch.manualSeed(seed)
    var out: [String: Tensor] = [:]
    for (name, shape) in shapes.sorted(by: { $0.name < $1.name }) {
        if name.hasSuffix("num_batches_tracked") { continue }
        let t: Tensor
        if name.hasSuffix("running_var") {
            t = Tensor.randn(shape).abs() * 0.1 + 1
        } else if name.hasSuffix("running_mean") {
            t = Tensor.randn(shape) * 0.1
        } else if name.hasSuffix("bn.weight") {
            t = Tensor.randn(shape) * 0.1 + 1
        } else if name.hasSuffix("bn.bias") {
            t = Tensor.randn(shape) * 0.1
        } else if shape.count == 4 {
            t = Tensor.randn(shape) * (2.0 / Double(shape[1] * shape[2] * shape[3])).squareRoot()
        } else {
            t = Tensor.randn(shape) * 0.05
        }
        out[name] = t
    }
    return out
}

/// `name [d0, d1, …]` lines of a reference key listing.
func referenceKeys(_ file: String) throws -> [(name: String, shape: [Int])] {
    let text = try String(contentsOf: fixture(file), encoding: .utf8)
    return text.split(separator: "\n").map { line in
        let parts = line.split(separator: " ", maxSplits: 1)
        let dims = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return (String(parts[0]), dims)
    }
}

func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gs-perceptual-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Writes tensors to a safetensors file (any names: for building "user files" in tests).
func writeSafeTensors(_ tensors: [String: Tensor], to url: URL, metadata: [String: String] = [:]) throws {
    var dict = StateDict()
    for name in tensors.keys.sorted() { dict[name] = tensors[name]!.contiguous().hostTensor() }
    try SafeTensors.write(dict, metadata: metadata, to: url)
}
