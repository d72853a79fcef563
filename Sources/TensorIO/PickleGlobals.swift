import Foundation

/// The globals a checkpoint pickle may name. Unpickling normally imports and calls whatever a pickle names — the
/// classic way a `.pt` file runs code — so we accept only this fixed list, each with a hand-written meaning, and
/// reject every other name before anything happens.
struct PickleGlobal {
    enum Kind: Equatable {
        case orderedDict
        case rebuildTensor, rebuildTensorV2, rebuildParameter, rebuildParameterWithState, rebuildFromTypeV2
        case tensorClass, parameterClass
        case storageType(ScalarType)
        case dtype(ScalarType)
        case namespace
        case set, frozenset, slice
        case codecsEncode
        case numpyScalar, numpyDType, numpyReconstruct, numpyNDArray
        case torchSize, torchDevice
    }

    let qualifiedName: String
    let kind: Kind

    /// The allow-listed global `module.name`, or `nil`.
    static func resolve(module: String, name: String) -> PickleGlobal? {
        // Python 2 pickles name the builtins module differently.
        let module = module == "__builtin__" ? "builtins" : module
        let qualified = "\(module).\(name)"
        if let kind = table[qualified] { return PickleGlobal(qualifiedName: qualified, kind: kind) }
        return nil
    }

    private static let table: [String: Kind] = {
        var t: [String: Kind] = [
            "collections.OrderedDict": .orderedDict,
            "torch._utils._rebuild_tensor": .rebuildTensor,
            "torch._utils._rebuild_tensor_v2": .rebuildTensorV2,
            "torch._utils._rebuild_parameter": .rebuildParameter,
            "torch._utils._rebuild_parameter_with_state": .rebuildParameterWithState,
            "torch._tensor._rebuild_from_type_v2": .rebuildFromTypeV2,
            "torch.Tensor": .tensorClass,
            "torch._tensor.Tensor": .tensorClass,
            "torch.nn.parameter.Parameter": .parameterClass,
            "argparse.Namespace": .namespace,
            "builtins.set": .set,
            "builtins.frozenset": .frozenset,
            "builtins.slice": .slice,
            "_codecs.encode": .codecsEncode,
            "numpy.dtype": .numpyDType,
            "numpy.ndarray": .numpyNDArray,
            "torch.Size": .torchSize,
            "torch.device": .torchDevice,
        ]
        for core in ["numpy.core", "numpy._core"] {
            t["\(core).multiarray.scalar"] = .numpyScalar
            t["\(core).multiarray._reconstruct"] = .numpyReconstruct
        }
        let storages: [(String, ScalarType)] = [
            ("FloatStorage", .float32), ("DoubleStorage", .float64), ("HalfStorage", .float16),
            ("BFloat16Storage", .bfloat16), ("LongStorage", .int64), ("IntStorage", .int32),
            ("ShortStorage", .int16), ("CharStorage", .int8), ("ByteStorage", .uint8), ("BoolStorage", .bool),
        ]
        for (name, type) in storages {
            t["torch.\(name)"] = .storageType(type)
            t["torch.cuda.\(name)"] = .storageType(type)  // legacy files saved from the GPU
        }
        t["torch.UntypedStorage"] = .storageType(.uint8)
        t["torch.storage.UntypedStorage"] = .storageType(.uint8)
        let dtypes: [(String, ScalarType)] = [
            ("float32", .float32), ("float", .float32), ("float64", .float64), ("double", .float64),
            ("float16", .float16), ("half", .float16), ("bfloat16", .bfloat16), ("int64", .int64),
            ("long", .int64), ("int32", .int32), ("int", .int32), ("int16", .int16), ("short", .int16),
            ("int8", .int8), ("uint8", .uint8), ("bool", .bool),
        ]
        for (name, type) in dtypes { t["torch.\(name)"] = .dtype(type) }
        return t
    }()
}
