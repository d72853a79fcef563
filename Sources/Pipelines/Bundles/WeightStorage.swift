import Foundation
import TensorIO

/// The precision a bundle's floating-point tensors are stored at. Modules load either as float32 (`loadStateDict`
/// copies with a dtype conversion), so `float16` halves a shipped file at the cost of rounding each weight to
/// 11 significant bits (relative error ≤ 2⁻¹¹; values below 2⁻¹⁴ keep fewer bits).
public enum WeightStorage: String, CaseIterable, Sendable {
    case float32, float16

    /// The metadata key that records the storage of a file written with one, so `inspect` and readers can say so.
    public static let metadataKey = "gradstyle.storage"

    /// The safetensors dtype floating-point tensors are stored as.
    public var scalarType: ScalarType { self == .float16 ? .float16 : .float32 }

    /// The storage `metadata` records, if any.
    public static func recorded(in metadata: [String: String]) -> WeightStorage? {
        metadata[metadataKey].flatMap(WeightStorage.init(rawValue:))
    }
}

extension BundleContents {
    /// These contents with every floating-point tensor stored as `storage` (rounded to nearest, ties to even;
    /// integer tensors such as batch norm's `num_batches_tracked` kept) and the storage recorded in the metadata.
    /// A value that `storage` cannot hold (beyond ±65504 for float16) is refused with one line naming the tensor
    /// and `path`, the file it came from.
    public func stored(as storage: WeightStorage, path: String) throws -> BundleContents {
        try stored(as: storage) { _ in path }
    }

    /// The same, for contents gathered from several files: `source(name)` names the file tensor `name` came from.
    public func stored(as storage: WeightStorage, source: (String) -> String) throws -> BundleContents {
        var result = BundleContents(tensors: StateDict(), metadata: metadata)
        for (name, tensor) in tensors {
            result.tensors[name] = try tensor.storingFloats(as: storage.scalarType, label: "tensor '\(name)'", path: source(name))
        }
        result.metadata[WeightStorage.metadataKey] = storage.rawValue
        return result
    }
}
