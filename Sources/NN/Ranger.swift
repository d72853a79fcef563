import Foundation
import Torch

/// Ranger (lessw2020, version 20.4.11) as the e4e / pSp / HFGI training code ships and uses it: RAdam + Lookahead +
/// Gradient Centralization, with that file's defaults (lr 1e-3, α 0.5, k 6, N_sma threshold 5, β (0.95, 0.999),
/// ε 1e-5, no weight decay, GC on for every gradient with more than one dimension).
///
/// Per parameter with a gradient g, at step t:
///
///     g ← g − mean(g over all dims but the first)          (if GC applies: rank > 1, or > 3 with gcConvOnly)
///     v ← β₂·v + (1 − β₂)·g²;   m ← β₁·m + (1 − β₁)·g
///     ρ∞ = 2/(1 − β₂) − 1;   ρₜ = ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
///     θ ← θ − weight_decay·lr·θ                              (if weight_decay ≠ 0)
///     ρₜ > threshold:  θ ← θ − lr · √((1−β₂ᵗ)(ρₜ−4)/(ρ∞−4)·(ρₜ−2)/ρₜ·ρ∞/(ρ∞−2)) / (1−β₁ᵗ) · m / (√v + ε)
///     otherwise:       θ ← θ − lr / (1−β₁ᵗ) · m
///     every k steps:   slow ← slow + α(θ − slow);  θ ← slow   (slow starts as θ before the first update)
///
/// Differences from the reference, none of which change the update: the reference centralises `p.grad` in place
/// (here the gradient is left as it was); it ignores its `use_gc` flag (here `useGC: false` turns GC off; the default
/// matches); it computes float64 parameters in float32 (here in float64). Half-precision parameters are updated
/// through a float32 copy with float32 moments, as the reference does.
public final class Ranger: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    public private(set) var alpha: Double
    public private(set) var k: Int
    public private(set) var nSmaThreshold: Double
    public private(set) var betas: (Double, Double)
    public private(set) var eps: Double
    public private(set) var weightDecay: Double
    public private(set) var useGC: Bool
    public private(set) var gcConvOnly: Bool

    private struct Slot {
        var step: Int
        var expAvg: Tensor
        var expAvgSq: Tensor
        var slowBuffer: Tensor
    }

    private var slots: [Int: Slot] = [:]

    public init(_ parameters: [Tensor], learningRate: Double = 1e-3, alpha: Double = 0.5, k: Int = 6,
                nSmaThreshold: Double = 5, betas: (Double, Double) = (0.95, 0.999), eps: Double = 1e-5,
                weightDecay: Double = 0, useGC: Bool = true, gcConvOnly: Bool = false) {
        precondition((0...1).contains(alpha), "Ranger: invalid slow update rate \(alpha)")
        precondition(k >= 1, "Ranger: invalid lookahead steps \(k)")
        precondition(learningRate > 0, "Ranger: invalid learning rate \(learningRate)")
        precondition(eps > 0, "Ranger: invalid eps \(eps)")
        precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "Ranger: invalid betas \(betas)")
        precondition(Set(parameters.map(ObjectIdentifier.init)).count == parameters.count,
                     "Ranger: a parameter appears more than once")
        self.parameters = parameters
        self.learningRate = learningRate
        self.alpha = alpha
        self.k = k
        self.nSmaThreshold = nSmaThreshold
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.useGC = useGC
        self.gcConvOnly = gcConvOnly
    }

    /// The number of updates parameter `index` has had (0 before its first gradient).
    public func stepCount(ofParameter index: Int) -> Int { slots[index]?.step ?? 0 }

    /// Moments are float32 for half-precision parameters, else the parameter's own dtype.
    private static func stateDType(for p: Tensor) -> DType {
        let d = p.dtype
        return d == .float16 || d == .bfloat16 ? .float32 : d
    }

    /// RAdam's rectified step size for step `t` (before the learning rate), and whether the adaptive (rectified)
    /// update applies. The arithmetic follows the reference's evaluation order so the values agree to the last bit.
    static func radamStepSize(step t: Int, betas: (Double, Double), threshold: Double) -> (size: Double, adaptive: Bool) {
        let (beta1, beta2) = betas
        let step = Double(t)
        let beta2T = Foundation.pow(beta2, step)
        let nSmaMax = 2 / (1 - beta2) - 1
        let nSma = nSmaMax - 2 * step * beta2T / (1 - beta2T)
        if nSma > threshold {
            let rectified = (1 - beta2T) * (nSma - 4) / (nSmaMax - 4) * (nSma - 2) / nSma * nSmaMax / (nSmaMax - 2)
            return (rectified.squareRoot() / (1 - Foundation.pow(beta1, step)), true)
        }
        return (1.0 / (1 - Foundation.pow(beta1, step)), false)
    }

    public func step() {
        let (beta1, beta2) = betas
        let gcMinRank = gcConvOnly ? 3 : 1
        withNoGrad {
            for (i, p) in parameters.enumerated() {
                guard let rawGrad = p.grad else { continue }
                let dtype = Ranger.stateDType(for: p)
                var grad = rawGrad.dtype == dtype ? rawGrad : rawGrad.to(dtype)
                var slot = slots[i] ?? Slot(step: 0, expAvg: Tensor.zeros(p.shape, dtype: dtype, device: p.device),
                                            expAvgSq: Tensor.zeros(p.shape, dtype: dtype, device: p.device),
                                            slowBuffer: p.detach().clone())
                if slot.expAvg.device != p.device { slot = moved(slot, to: p.device) }

                // Gradient centralization: remove the mean over each output unit's fan-in.
                if useGC && grad.rank > gcMinRank {
                    grad = grad - grad.mean(dims: Array(1..<grad.rank), keepDim: true)
                }

                slot.step += 1
                slot.expAvgSq.mul_(beta2)
                slot.expAvgSq.addcmul_(grad, grad, value: 1 - beta2)
                slot.expAvg.mul_(beta1)
                slot.expAvg.add_(grad, alpha: 1 - beta1)

                let (stepSize, adaptive) = Ranger.radamStepSize(step: slot.step, betas: betas,
                                                                threshold: nSmaThreshold)
                // Half-precision parameters are updated through a float32 copy.
                let work = p.dtype == dtype ? p : p.to(dtype)
                if weightDecay != 0 { work.add_(work, alpha: -weightDecay * learningRate) }
                if adaptive {
                    let denom = slot.expAvgSq.sqrt() + eps
                    work.addcdiv_(slot.expAvg, denom, value: -stepSize * learningRate)
                } else {
                    work.add_(slot.expAvg, alpha: -stepSize * learningRate)
                }
                if work !== p { p.copy_(work) }

                // Lookahead: every k steps pull the slow weights toward the fast ones and restart from them.
                if slot.step % k == 0 {
                    slot.slowBuffer.add_(p - slot.slowBuffer, alpha: alpha)
                    p.copy_(slot.slowBuffer)
                }
                slots[i] = slot
            }
        }
    }

    private func moved(_ s: Slot, to device: Device) -> Slot {
        Slot(step: s.step, expAvg: s.expAvg.to(device: device), expAvgSq: s.expAvgSq.to(device: device),
             slowBuffer: s.slowBuffer.to(device: device))
    }

    private static let hyperparameterNames = ["lr", "alpha", "k", "N_sma_threshhold", "betas.0", "betas.1", "eps",
                                              "weight_decay", "use_gc", "gc_conv_only"]

    public func stateDict() -> OptimizerState {
        var state = OptimizerState(kind: "Ranger")
        let hyper: [String: Double] = [
            "param_count": Double(parameters.count), "lr": learningRate, "alpha": alpha, "k": Double(k),
            "N_sma_threshhold": nSmaThreshold, "betas.0": betas.0, "betas.1": betas.1, "eps": eps,
            "weight_decay": weightDecay, "use_gc": useGC ? 1 : 0, "gc_conv_only": gcConvOnly ? 1 : 0,
        ]
        for (name, value) in hyper { state.scalars[OptimizerState.groupKey(name)] = value }
        for (i, slot) in slots {
            state.scalars[OptimizerState.stateKey(i, "step")] = Double(slot.step)
            state.tensors[OptimizerState.stateKey(i, "exp_avg")] = slot.expAvg.clone()
            state.tensors[OptimizerState.stateKey(i, "exp_avg_sq")] = slot.expAvgSq.clone()
            state.tensors[OptimizerState.stateKey(i, "slow_buffer")] = slot.slowBuffer.clone()
        }
        return state
    }

    public func load(_ state: OptimizerState) throws {
        let decoded = try OptimizerStateDecoder(state, kind: "Ranger", parameters: parameters,
                                                hyperparameterNames: Ranger.hyperparameterNames,
                                                tensorNames: { _ in ["exp_avg", "exp_avg_sq", "slow_buffer"] })
        let h = decoded.hyperparameters
        guard let kValue = Int(exactly: h["k"]!), kValue >= 1 else {
            throw OptimizerStateError(["'param_groups.0.k' is \(plain(h["k"]!)), not a positive integer"])
        }
        var restored: [Int: Slot] = [:]
        for (i, s) in decoded.slots {
            let p = parameters[i]
            let dtype = Ranger.stateDType(for: p)
            restored[i] = Slot(step: s.step,
                               expAvg: s.tensors["exp_avg"]!.stateCopy(dtype: dtype, device: p.device),
                               expAvgSq: s.tensors["exp_avg_sq"]!.stateCopy(dtype: dtype, device: p.device),
                               slowBuffer: s.tensors["slow_buffer"]!.stateCopy(dtype: p.dtype, device: p.device))
        }
        learningRate = h["lr"]!
        alpha = h["alpha"]!
        k = kValue
        nSmaThreshold = h["N_sma_threshhold"]!
        betas = (h["betas.0"]!, h["betas.1"]!)
        eps = h["eps"]!
        weightDecay = h["weight_decay"]!
        useGC = h["use_gc"]! != 0
        gcConvOnly = h["gc_conv_only"]! != 0
        slots = restored
    }
}
