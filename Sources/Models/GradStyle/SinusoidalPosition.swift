import Foundation
import Torch

/// Fixed 2-D sinusoidal position codes added to the Aligner's queries and keys (not its values) when the option
/// `position_encoding` is `sinusoidal`. Attention over content alone cannot tell two positions with similar features
/// apart, so it cannot learn "take the detail from the same place, moved by the edit": position codes give it that
/// handle, as DETR-style attention adds them. [D] — the paper is silent; default `none` as in GRADSTYLE.md.
///
/// For C channels, n = ⌊C/4⌋ frequencies k_i = (S/2)^(i/(n−1)) (from one period over the feature map to the Nyquist
/// rate of its side S) and t = 2π (u + ½) / S for row or column u: channels [sin k_i t_y, cos k_i t_y, sin k_i t_x,
/// cos k_i t_x] for i < n, in that order; the C − 4n remaining channels are 0.
public enum SinusoidalPosition {
    public static func frequencies(count n: Int, side: Int) -> [Double] {
        guard n > 1 else { return n == 1 ? [1] : [] }
        let top = Swift.max(1, Double(side) / 2)
        return (0..<n).map { Foundation.pow(top, Double($0) / Double(n - 1)) }
    }

    /// 1×C×H×W codes.
    public static func encoding(channels c: Int, height h: Int, width w: Int, device: Device = .cpu) -> Tensor {
        let n = c / 4
        let fy = frequencies(count: n, side: h), fx = frequencies(count: n, side: w)
        var values = [Float](repeating: 0, count: c * h * w)
        for y in 0..<h {
            let ty = 2 * Double.pi * (Double(y) + 0.5) / Double(h)
            for x in 0..<w {
                let tx = 2 * Double.pi * (Double(x) + 0.5) / Double(w)
                for i in 0..<n {
                    let p = y * w + x
                    values[(i) * h * w + p] = Float(Foundation.sin(fy[i] * ty))
                    values[(n + i) * h * w + p] = Float(Foundation.cos(fy[i] * ty))
                    values[(2 * n + i) * h * w + p] = Float(Foundation.sin(fx[i] * tx))
                    values[(3 * n + i) * h * w + p] = Float(Foundation.cos(fx[i] * tx))
                }
            }
        }
        return Tensor(values, shape: [1, c, h, w]).to(device: device)
    }
}
