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
}
