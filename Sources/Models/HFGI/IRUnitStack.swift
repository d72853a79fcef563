import NN
import Torch

/// One `bottleneck_IR` unit of an HFGI stack: input width, output width, stride.
public struct IRUnitShape: Codable, Equatable, Sendable {
    public var inChannels: Int
    public var depth: Int
    public var stride: Int

    public init(_ inChannels: Int, _ depth: Int, stride: Int) {
        self.inChannels = inChannels
        self.depth = depth
        self.stride = stride
    }
}

/// HFGI's `Sequential(*[bottleneck_IR(…), …])` stacks (plain IR units, no squeeze-excitation), keys `N.res_layer.*`
/// and `N.shortcut_layer.*`.
enum IRUnitStack {
    static func make(_ units: [IRUnitShape]) -> Sequential {
        Sequential(units.map { BottleneckIR(inChannels: $0.inChannels, depth: $0.depth, stride: $0.stride, squeezeExcitation: false) })
    }

    /// The unit shapes of the stack under `prefix` (e.g. `conv_layer2.`), read from the tensors' shapes; the first
    /// unit has `firstStride` and the others stride 1, as every HFGI stack is built.
    static func infer(_ t: [String: [Int]], prefix: String, firstStride: Int) throws -> [IRUnitShape] {
        var units: [IRUnitShape] = []
        while let conv = t["\(prefix)\(units.count).res_layer.1.weight"] {
            guard conv.count == 4 else { throw ModelError("'\(prefix)\(units.count).res_layer.1.weight' has shape \(conv)") }
            units.append(IRUnitShape(conv[1], conv[0], stride: units.isEmpty ? firstStride : 1))
        }
        guard !units.isEmpty else { throw ModelError("missing '\(prefix)0.res_layer.1.weight'") }
        return units
    }
}
