import Torch

/// A 3×3, stride-2, unpadded transposed convolution computed as four ordinary convolutions, one per output phase
/// (even/odd row × even/odd column), interleaved. Same result as `conv_transpose2d(x, w, stride: 2, groups: g)`
/// (output (2H+1)×(2W+1)), but every FLOP runs through the engine's forward convolution (oneDNN on CPU), whose
/// kernels are far faster than libtorch's CPU transposed convolution at StyleGAN2's high resolutions.
///
/// Output row 2m takes input rows m (tap 0) and m − 1 (tap 2); row 2m + 1 takes row m (tap 1). Columns alike. So the
/// even/even phase is a 2×2 correlation of the input padded by one, the odd/odd phase a 1×1 one, the mixed phases
/// 2×1 and 1×2.
public enum PhaseTransposedConv {
    /// x: N×(g·Cin)×H×W; weight in transposed-conv layout (g·Cin)×Cout_g×3×3.
    public static func apply(_ x: Tensor, weight w: Tensor, groups g: Int = 1) -> Tensor {
        precondition(w.rank == 4 && w.size(2) == 3 && w.size(3) == 3, "PhaseTransposedConv: 3×3 kernels only, got \(w.shape)")
        let cinTotal = w.size(0), coutG = w.size(1), cinG = cinTotal / g
        // conv2d layout, groups kept: (g·Cout_g)×Cin_g×3×3
        let k = w.reshape([g, cinG, coutG, 3, 3]).transpose(1, 2).reshape([g * coutG, cinG, 3, 3])
        func taps(_ t: Tensor, dim: Int, odd: Bool) -> Tensor {
            odd ? t.narrow(dim: dim, start: 1, length: 1)
                : Tensor.cat([t.narrow(dim: dim, start: 2, length: 1), t.narrow(dim: dim, start: 0, length: 1)], dim: dim)
        }
        let h = x.size(2), wd = x.size(3)
        var phases: [Tensor] = []
        for oddRow in [false, true] {
            for oddColumn in [false, true] {
                let kernel = taps(taps(k, dim: 2, odd: oddRow), dim: 3, odd: oddColumn).contiguous()
                var y = Functional.conv2d(x, weight: kernel, padding: (oddRow ? 0 : 1, oddColumn ? 0 : 1), groups: g)
                // bring every phase to (H+1)×(W+1) so they interleave by one reshape
                y = Functional.pad(y, [0, oddColumn ? 1 : 0, 0, oddRow ? 1 : 0])
                phases.append(y)
            }
        }
        let n = x.size(0), c = g * coutG
        let stacked = Tensor.stack(phases, dim: 2).reshape([n, c, 2, 2, h + 1, wd + 1])  // phase = 2·oddRow + oddColumn
        let interleaved = stacked.permute([0, 1, 4, 2, 5, 3]).reshape([n, c, 2 * (h + 1), 2 * (wd + 1)])
        return interleaved.narrow(dim: 2, start: 0, length: 2 * h + 1).narrow(dim: 3, start: 0, length: 2 * wd + 1)
    }
}
