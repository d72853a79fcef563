import Foundation
import Torch

/// Weight initialisers, as torch.nn.init: each fills a tensor in place (under no-grad, so it works on parameters)
/// from libtorch's seeded generator, and returns it.
public enum Init {
    /// Nonlinearities known to `gain(for:)`, as torch.nn.init.calculate_gain names them.
    public enum Nonlinearity: Sendable {
        case linear, conv, sigmoid, tanh, relu, selu
        /// Leaky ReLU with this negative slope (PyTorch's `param`; its default is 0.01).
        case leakyReLU(negativeSlope: Double)
    }

    public enum FanMode: Sendable { case fanIn, fanOut }

    /// The recommended gain for a nonlinearity (torch.nn.init.calculate_gain).
    public static func gain(for nonlinearity: Nonlinearity) -> Double {
        switch nonlinearity {
        case .linear, .conv, .sigmoid: return 1
        case .tanh: return 5.0 / 3.0
        case .relu: return 2.0.squareRoot()
        case .selu: return 3.0 / 4.0
        case .leakyReLU(let slope): return (2.0 / (1 + slope * slope)).squareRoot()
        }
    }

    /// Fan-in and fan-out of a weight: dims 1 and 0 times the receptive field (product of dims 2…).
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "Init.fans: needs at least 2 dimensions, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    @discardableResult
    public static func uniform(_ t: Tensor, _ low: Double = 0, _ high: Double = 1) -> Tensor {
        withNoGrad { t.uniform_(low, high) }
        return t
    }

    @discardableResult
    public static func normal(_ t: Tensor, mean: Double = 0, std: Double = 1) -> Tensor {
        withNoGrad { t.normal_(mean: mean, std: std) }
        return t
    }

    @discardableResult
    public static func constant(_ t: Tensor, _ value: Double) -> Tensor {
        withNoGrad { t.fill_(value) }
        return t
    }

    @discardableResult
    public static func zeros(_ t: Tensor) -> Tensor { constant(t, 0) }

    @discardableResult
    public static func ones(_ t: Tensor) -> Tensor { constant(t, 1) }

    /// He et al. uniform: U(−b, b) with b = gain·√(3 / fan). `a` is the leaky-ReLU slope that sets the gain.
    @discardableResult
    public static func kaimingUniform(_ t: Tensor, a: Double = 0, mode: FanMode = .fanIn,
                                      nonlinearity: Nonlinearity? = nil) -> Tensor {
        let std = kaimingStd(t.shape, a: a, mode: mode, nonlinearity: nonlinearity)
        let bound = 3.0.squareRoot() * std
        return uniform(t, -bound, bound)
    }

    /// He et al. normal: N(0, (gain / √fan)²).
    @discardableResult
    public static func kaimingNormal(_ t: Tensor, a: Double = 0, mode: FanMode = .fanIn,
                                     nonlinearity: Nonlinearity? = nil) -> Tensor {
        normal(t, mean: 0, std: kaimingStd(t.shape, a: a, mode: mode, nonlinearity: nonlinearity))
    }

    /// Glorot uniform: U(−b, b) with b = gain·√(6 / (fan_in + fan_out)).
    @discardableResult
    public static func xavierUniform(_ t: Tensor, gain: Double = 1) -> Tensor {
        let (fanIn, fanOut) = fans(t.shape)
        let bound = gain * (6.0 / Double(fanIn + fanOut)).squareRoot()
        return uniform(t, -bound, bound)
    }

    /// Glorot normal: N(0, gain²·2 / (fan_in + fan_out)).
    @discardableResult
    public static func xavierNormal(_ t: Tensor, gain: Double = 1) -> Tensor {
        let (fanIn, fanOut) = fans(t.shape)
        return normal(t, mean: 0, std: gain * (2.0 / Double(fanIn + fanOut)).squareRoot())
    }

    /// PyTorch's default nonlinearity for kaiming_* is leaky_relu with slope `a`.
    private static func kaimingStd(_ shape: [Int], a: Double, mode: FanMode, nonlinearity: Nonlinearity?) -> Double {
        let (fanIn, fanOut) = fans(shape)
        let fan = mode == .fanIn ? fanIn : fanOut
        precondition(fan > 0, "Init.kaiming: zero fan for shape \(shape)")
        return gain(for: nonlinearity ?? .leakyReLU(negativeSlope: a)) / Double(fan).squareRoot()
    }

    /// PyTorch's default for Linear and Conv weights: kaiming_uniform with a = √5, i.e. U(−1/√fan_in, 1/√fan_in),
    /// and the bias U(−1/√fan_in, 1/√fan_in).
    static func resetLinearLike(weight: Tensor, bias: Tensor?) {
        kaimingUniform(weight, a: 5.0.squareRoot())
        if let bias {
            let fanIn = fans(weight.shape).fanIn
            let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
            uniform(bias, -bound, bound)
        }
    }
}
