import NN
import Torch

/// The shape of HFGI's two extra networks (Tengfei-Wang/HFGI `psp_encoders.py`): the distortion residual encoder
/// (`residue`, a.k.a. the consultation encoder) and Adaptive Distortion Alignment (`grid_align`). The official
/// networks are `official`; checkpoints are read by inferring every width from the tensors (`infer`).
public struct HFGIConfig: Codable, Equatable, Sendable {
    /// Residual encoder: stem width (3 → stem), then its two down-sampling stacks.
    public var residueStem: Int
    public var residueStacks: [[IRUnitShape]]
    /// Hidden and output widths of the condition heads (output = the generator's 64² width).
    public var conditionHidden: Int
    public var conditionChannels: Int
    /// ADA: stem width (6 → stem), three down-sampling stacks, three decoder stacks.
    public var alignerStem: Int
    public var alignerDown: [[IRUnitShape]]
    public var alignerUp: [[IRUnitShape]]

    static func stack(_ widths: [(Int, Int)], firstStride: Int) -> [IRUnitShape] {
        widths.enumerated().map { IRUnitShape($1.0, $1.1, stride: $0 == 0 ? firstStride : 1) }
    }

    /// The public code's widths.
    public static let official = HFGIConfig(
        residueStem: 32,
        residueStacks: [stack([(32, 48), (48, 48), (48, 48)], firstStride: 2),
                        stack([(48, 64), (64, 64), (64, 64)], firstStride: 2)],
        conditionHidden: 512, conditionChannels: 512,
        alignerStem: 16,
        alignerDown: [stack([(16, 32), (32, 32), (32, 32)], firstStride: 2),
                      stack([(32, 48), (48, 48), (48, 48)], firstStride: 2),
                      stack([(48, 64), (64, 64), (64, 64)], firstStride: 2)],
        alignerUp: [stack([(112, 64), (64, 32), (32, 32)], firstStride: 1),
                    stack([(64, 32), (32, 16), (16, 16)], firstStride: 1),
                    stack([(32, 16), (16, 3), (3, 3)], firstStride: 1)])

    /// Widths from `residue.*` / `grid_align.*` shapes (names without those prefixes), checked for consistency.
    public static func infer(residue r: [String: [Int]], aligner a: [String: [Int]]) throws -> HFGIConfig {
        func shape(_ t: [String: [Int]], _ key: String, _ owner: String) throws -> [Int] {
            guard let s = t[key] else { throw ModelError("missing '\(owner).\(key)'") }
            return s
        }
        let stem = try shape(r, "conv_layer1.0.weight", "residue")
        let hidden = try shape(r, "condition_scale3.0.weight", "residue")
        let out = try shape(r, "condition_scale3.2.weight", "residue")
        let aStem = try shape(a, "conv_layer1.0.weight", "grid_align")
        let config = HFGIConfig(
            residueStem: stem[0],
            residueStacks: [try IRUnitStack.infer(r, prefix: "conv_layer2.", firstStride: 2),
                            try IRUnitStack.infer(r, prefix: "conv_layer3.", firstStride: 2)],
            conditionHidden: hidden[0], conditionChannels: out[0],
            alignerStem: aStem[0],
            alignerDown: try (2...4).map { try IRUnitStack.infer(a, prefix: "conv_layer\($0).", firstStride: 2) },
            alignerUp: try (1...3).map { try IRUnitStack.infer(a, prefix: "dconv_layer\($0).", firstStride: 1) })
        try config.validate()
        return config
    }

    /// The widths must chain as the public forward passes use them (concatenations included).
    public func validate() throws {
        func chain(_ name: String, _ input: Int, _ units: [IRUnitShape]) throws -> Int {
            var c = input
            for (i, u) in units.enumerated() {
                guard u.inChannels == c else { throw ModelError("\(name) unit \(i) takes \(u.inChannels) channels, but \(c) arrive") }
                c = u.depth
            }
            return c
        }
        guard residueStacks.count == 2, alignerDown.count == 3, alignerUp.count == 3 else {
            throw ModelError("HFGI networks need 2 residual-encoder stacks and 3 + 3 ADA stacks")
        }
        var c = try chain("residue.conv_layer2", residueStem, residueStacks[0])
        c = try chain("residue.conv_layer3", c, residueStacks[1])
        guard c > 0, conditionHidden > 0, conditionChannels > 0 else { throw ModelError("HFGI widths must be positive") }
        let f1 = alignerStem
        let f2 = try chain("grid_align.conv_layer2", f1, alignerDown[0])
        let f3 = try chain("grid_align.conv_layer3", f2, alignerDown[1])
        let f4 = try chain("grid_align.conv_layer4", f3, alignerDown[2])
        let d1 = try chain("grid_align.dconv_layer1", f4 + f3, alignerUp[0])
        let d2 = try chain("grid_align.dconv_layer2", d1 + f2, alignerUp[1])
        let d3 = try chain("grid_align.dconv_layer3", d2 + f1, alignerUp[2])
        guard d3 == 3 else { throw ModelError("grid_align must end in 3 channels (an aligned residual image), not \(d3)") }
    }
}
