import Foundation
import Torch

/// Adam (Kingma & Ba), exactly as torch.optim.Adam's single-tensor path computes it:
///
///     g ← ∇ + weight_decay·θ                       (L2 penalty added to the gradient, not decoupled)
///     m ← m + (1 − β₁)(g − m)                       (lerp)
///     v ← β₂·v + (1 − β₂)·g²
///     θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// With `amsgrad`, v in the denominator is the running maximum of v. State is kept in the parameter's dtype, as
/// PyTorch keeps it.
public final class Adam: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Double
    public private(set) var betas: (Double, Double)
    public private(set) var eps: Double
    public private(set) var weightDecay: Double
    public private(set) var amsgrad: Bool

    private struct Slot {
        var step: Int
        var expAvg: Tensor
        var expAvgSq: Tensor
        var maxExpAvgSq: Tensor?
    }

    private var slots: [Int: Slot] = [:]

    public init(_ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false) {
        precondition(learningRate >= 0, "Adam: invalid learning rate \(learningRate)")
        precondition(eps >= 0, "Adam: invalid eps \(eps)")
        precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "Adam: invalid betas \(betas)")
        precondition(weightDecay >= 0, "Adam: invalid weight decay \(weightDecay)")
        precondition(Set(parameters.map(ObjectIdentifier.init)).count == parameters.count,
                     "Adam: a parameter appears more than once")
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
    }

    /// The number of updates parameter `index` has had (0 before its first gradient).
    public func stepCount(ofParameter index: Int) -> Int { slots[index]?.step ?? 0 }

    public func step() {
        let (beta1, beta2) = betas
        withNoGrad {
            for (i, p) in parameters.enumerated() {
                guard let rawGrad = p.grad else { continue }
                var slot = slots[i] ?? Slot(step: 0, expAvg: p.detach().zerosLike(), expAvgSq: p.detach().zerosLike(),
                                            maxExpAvgSq: amsgrad ? p.detach().zerosLike() : nil)
                if slot.expAvg.device != p.device { slot = moved(slot, to: p.device) }
                let grad = weightDecay != 0 ? rawGrad + p.detach() * weightDecay : rawGrad

                slot.step += 1
                slot.expAvg.lerp_(grad, weight: 1 - beta1)
                slot.expAvgSq.mul_(beta2)
                slot.expAvgSq.addcmul_(grad, grad, value: 1 - beta2)

                let t = Double(slot.step)
                let biasCorrection1 = 1 - Foundation.pow(beta1, t)
                let biasCorrection2 = 1 - Foundation.pow(beta2, t)
                let stepSize = learningRate / biasCorrection1
                let biasCorrection2Sqrt = biasCorrection2.squareRoot()

                let second: Tensor
                if amsgrad {
                    if slot.maxExpAvgSq == nil { slot.maxExpAvgSq = slot.expAvgSq.zerosLike() }
                    slot.maxExpAvgSq!.copy_(slot.maxExpAvgSq!.maximum(slot.expAvgSq))
                    second = slot.maxExpAvgSq!
                } else {
                    second = slot.expAvgSq
                }
                let denom = second.sqrt() / biasCorrection2Sqrt + eps
                p.addcdiv_(slot.expAvg, denom, value: -stepSize)
                slots[i] = slot
            }
        }
    }

    private func moved(_ s: Slot, to device: Device) -> Slot {
        Slot(step: s.step, expAvg: s.expAvg.to(device: device), expAvgSq: s.expAvgSq.to(device: device),
             maxExpAvgSq: s.maxExpAvgSq?.to(device: device))
    }

    public func stateDict() -> OptimizerState {
        var state = OptimizerState(kind: "Adam")
        state.scalars[OptimizerState.groupKey("param_count")] = Double(parameters.count)
        state.scalars[OptimizerState.groupKey("lr")] = learningRate
        state.scalars[OptimizerState.groupKey("betas.0")] = betas.0
        state.scalars[OptimizerState.groupKey("betas.1")] = betas.1
        state.scalars[OptimizerState.groupKey("eps")] = eps
        state.scalars[OptimizerState.groupKey("weight_decay")] = weightDecay
        state.scalars[OptimizerState.groupKey("amsgrad")] = amsgrad ? 1 : 0
        for (i, slot) in slots {
            state.scalars[OptimizerState.stateKey(i, "step")] = Double(slot.step)
            state.tensors[OptimizerState.stateKey(i, "exp_avg")] = slot.expAvg.clone()
            state.tensors[OptimizerState.stateKey(i, "exp_avg_sq")] = slot.expAvgSq.clone()
            if let m = slot.maxExpAvgSq { state.tensors[OptimizerState.stateKey(i, "max_exp_avg_sq")] = m.clone() }
        }
        return state
    }

    public func load(_ state: OptimizerState) throws {
        let decoded = try OptimizerStateDecoder(
            state, kind: "Adam", parameters: parameters,
            hyperparameterNames: ["lr", "betas.0", "betas.1", "eps", "weight_decay", "amsgrad"],
            tensorNames: { hyper in
                hyper["amsgrad", default: 0] != 0 ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"]
            })
        let h = decoded.hyperparameters
        var restored: [Int: Slot] = [:]
        for (i, s) in decoded.slots {
            let p = parameters[i]
            restored[i] = Slot(step: s.step,
                               expAvg: s.tensors["exp_avg"]!.stateCopy(dtype: p.dtype, device: p.device),
                               expAvgSq: s.tensors["exp_avg_sq"]!.stateCopy(dtype: p.dtype, device: p.device),
                               maxExpAvgSq: s.tensors["max_exp_avg_sq"]?.stateCopy(dtype: p.dtype, device: p.device))
        }
        learningRate = h["lr"]!
        betas = (h["betas.0"]!, h["betas.1"]!)
        eps = h["eps"]!
        weightDecay = h["weight_decay"]!
        amsgrad = h["amsgrad"]! != 0
        slots = restored
    }
}
