import NN
import Torch

/// Builders for the parts every IR network shares (pSp / e4e encoders and ArcFace), which register them under the
/// reference names `input_layer` and `body` as their own direct children.
public enum IRBackbone {
    /// `input_layer`: 3×3 conv (stride 1, no bias) → BN → PReLU, to `widths[0]` channels.
    public static func inputLayer(_ config: IRBackboneConfig) -> Sequential {
        let w = config.widths[0]
        return Sequential(Conv2d(config.inputChannels, w, kernelSize: 3, stride: 1, padding: 1, bias: false),
                          BatchNorm2d(w), PReLU(numParameters: w))
    }

    /// `body`: every unit of every stage, numbered "0", "1", … across stages as `Sequential(*modules)` numbers them.
    public static func body(_ config: IRBackboneConfig) -> Sequential {
        Sequential(config.bottlenecks.map {
            BottleneckIR(inChannels: $0.inChannels, depth: $0.depth, stride: $0.stride,
                         squeezeExcitation: config.mode == .irSE, seReduction: config.seReduction)
        })
    }

    /// Runs `body` and returns the output of each stage's last unit (the 4 stage outputs, finest first).
    public static func stageOutputs(_ body: Sequential, _ x: Tensor, stageEnds: [Int]) -> [Tensor] {
        var out: [Tensor] = []
        var h = x
        for i in 0..<body.count {
            h = body[i](h)
            if stageEnds.contains(i) { out.append(h) }
        }
        return out
    }

    /// The backbone that fits `input_layer.*` / `body.*` tensors. Stages start where the unit width changes (and at
    /// unit 0), so the stage widths must increase, as they do in every reference table; strides are not stored,
    /// they follow get_block (2 in each stage's first unit).
    public static func inferConfig(_ t: [String: Tensor]) throws -> IRBackboneConfig {
        guard let stem = t["input_layer.0.weight"], stem.rank == 4 else {
            throw ModelError("missing 'input_layer.0.weight' (or not a 4-D conv weight)")
        }
        var widths: [Int] = [], units: [Int] = []
        var count = 0
        while let w = t["body.\(count).res_layer.1.weight"] {
            guard w.rank == 4 else { throw ModelError("'body.\(count).res_layer.1.weight' has shape \(w.shape)") }
            if widths.last != w.size(0) {
                widths.append(w.size(0))
                units.append(0)
            }
            units[units.count - 1] += 1
            count += 1
        }
        guard widths.count == 4 else {
            throw ModelError("cannot read the backbone stages: found widths \(widths) (expected 4 stages of increasing width)")
        }
        var mode = IRBackboneConfig.UnitKind.ir
        var reduction = 16
        if let fc1 = t["body.0.res_layer.5.fc1.weight"] {
            mode = .irSE
            reduction = Swift.max(1, widths[0] / Swift.max(1, fc1.size(0)))
        }
        let config = IRBackboneConfig(units: units, widths: widths, mode: mode, seReduction: reduction,
                                      inputChannels: stem.size(1))
        try config.validate()
        return config
    }
}
