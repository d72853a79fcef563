import Foundation
import Torch

/// A first-order optimiser over a fixed list of parameters, as torch.optim optimisers with one parameter group.
///
/// `step()` updates every parameter that has a gradient (others are skipped and get no state), under no-grad.
/// `stateDict()` / `load(_:)` capture everything the next step depends on, for exact resume.
public protocol Optimizer: AnyObject {
    /// The parameters in the order given at creation; state keys use these indices.
    var parameters: [Tensor] { get }
    /// The step size; settable between steps (schedules, warm-up).
    var learningRate: Double { get set }
    func step()
    /// Drops every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`).
    func zeroGrad()
    /// A snapshot (copies, not live tensors) of the optimiser's state and hyperparameters.
    func stateDict() -> OptimizerState
    /// Restores a snapshot taken from an optimiser of the same kind over parameters of the same shapes, in the same
    /// order. Hyperparameters (learning rate included) are restored too, as PyTorch's `load_state_dict` does.
    /// Validates everything first; on a mismatch throws `OptimizerStateError` and changes nothing.
    func load(_ state: OptimizerState) throws
}

extension Optimizer {
    public func zeroGrad() {
        for p in parameters { p.zeroGrad() }
    }
}

/// An optimiser's state, flat, in PyTorch's `state_dict()` layout with one parameter group:
///
/// - `tensors["state.<i>.<name>"]` — per-parameter tensors of parameter `i` (e.g. `exp_avg`, `exp_avg_sq`,
///   `max_exp_avg_sq` for Adam; `exp_avg`, `exp_avg_sq`, `slow_buffer` for Ranger). Parameters that never had a
///   gradient have no entries.
/// - `scalars["state.<i>.step"]` — the number of updates parameter `i` has had.
/// - `scalars["param_groups.0.<name>"]` — hyperparameters (`lr`, `betas.0`, `betas.1`, `eps`, `weight_decay`, …;
///   booleans as 0/1) and `param_groups.0.param_count`, the number of parameters.
///
/// `kind` names the optimiser ("Adam", "Ranger"); store it beside the tensors (e.g. in safetensors metadata).
public struct OptimizerState {
    public var kind: String
    public var tensors: [String: Tensor]
    public var scalars: [String: Double]

    public init(kind: String, tensors: [String: Tensor] = [:], scalars: [String: Double] = [:]) {
        self.kind = kind
        self.tensors = tensors
        self.scalars = scalars
    }

    /// One tensor dictionary for a safetensors file: the tensors as they are and every scalar as a 0-D float64
    /// tensor under its own key (float64 holds step counts exactly up to 2⁵³).
    public func flattened() -> [String: Tensor] {
        var out = tensors
        for (key, value) in scalars { out[key] = Tensor(scalar: value, dtype: .float64) }
        return out
    }

    /// The inverse of `flattened()`: `param_groups.*` and `state.<i>.step` keys are scalars, the rest tensors.
    public init(kind: String, flattened: [String: Tensor]) throws {
        self.init(kind: kind)
        for (key, tensor) in flattened {
            if OptimizerState.isScalarKey(key) {
                guard tensor.count == 1 else {
                    throw OptimizerStateError(["'\(key)' should be a scalar but has shape \(tensor.shape)"])
                }
                scalars[key] = tensor.item()
            } else {
                tensors[key] = tensor
            }
        }
    }

    static func isScalarKey(_ key: String) -> Bool {
        key.hasPrefix("param_groups.") || (key.hasPrefix("state.") && key.hasSuffix(".step"))
    }

    static func stateKey(_ index: Int, _ name: String) -> String { "state.\(index).\(name)" }
    static func groupKey(_ name: String) -> String { "param_groups.0.\(name)" }
}

/// Optimiser state that does not fit the optimiser it is loaded into. Nothing was changed.
public struct OptimizerStateError: Error, CustomStringConvertible, LocalizedError {
    public let problems: [String]
    init(_ problems: [String]) { self.problems = problems }

    public var description: String {
        let shown = problems.prefix(8).joined(separator: "; ")
        let more = problems.count > 8 ? "; … (\(problems.count - 8) more)" : ""
        return "cannot load optimizer state: \(shown)\(more)"
    }
    public var errorDescription: String? { description }
}

/// Checks an `OptimizerState` against an optimiser's parameters and splits it into hyperparameters and per-parameter
/// slots, collecting every problem before throwing.
struct OptimizerStateDecoder {
    struct Slot {
        var step: Int
        var tensors: [String: Tensor]
    }

    let hyperparameters: [String: Double]
    let slots: [Int: Slot]

    /// `tensorNames` gives the per-parameter tensors required, given the saved hyperparameters.
    init(_ state: OptimizerState, kind: String, parameters: [Tensor], hyperparameterNames: [String],
         tensorNames: ([String: Double]) -> [String]) throws {
        var problems: [String] = []
        if state.kind != kind { problems.append("state is for \(state.kind), not \(kind)") }

        var hyper: [String: Double] = [:]
        let countKey = OptimizerState.groupKey("param_count")
        if let n = state.scalars[countKey] {
            if Int(exactly: n) != parameters.count {
                problems.append("state covers \(plain(n)) parameters, the optimizer has \(parameters.count)")
            }
        } else {
            problems.append("missing '\(countKey)'")
        }
        for name in hyperparameterNames {
            let key = OptimizerState.groupKey(name)
            if let v = state.scalars[key] { hyper[name] = v } else { problems.append("missing '\(key)'") }
        }
        let names = tensorNames(hyper)

        // Group per-parameter entries by index, flagging keys that belong nowhere (sorted: dictionaries are unordered).
        var unexpected: [String] = []
        var steps: [Int: Double] = [:]
        var tensors: [Int: [String: Tensor]] = [:]
        func parse(_ key: String) -> (index: Int, name: String)? {
            let parts = key.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "state", let i = Int(parts[1]), i >= 0, i < parameters.count
            else { return nil }
            return (i, String(parts[2]))
        }
        for (key, value) in state.scalars where !key.hasPrefix("param_groups.") {
            if let (i, name) = parse(key), name == "step" { steps[i] = value } else { unexpected.append(key) }
        }
        for (key, tensor) in state.tensors {
            if let (i, name) = parse(key), names.contains(name) {
                tensors[i, default: [:]][name] = tensor
            } else {
                unexpected.append(key)
            }
        }
        problems += unexpected.sorted().map { "unexpected '\($0)'" }

        var slots: [Int: Slot] = [:]
        for i in Set(steps.keys).union(tensors.keys).sorted() {
            let stepKey = OptimizerState.stateKey(i, "step")
            guard let s = steps[i] else { problems.append("missing '\(stepKey)'"); continue }
            guard let step = Int(exactly: s), step >= 1 else {
                problems.append("'\(stepKey)' is \(plain(s)), not a positive integer")
                continue
            }
            let found = tensors[i] ?? [:]
            var complete = true
            for name in names {
                let key = OptimizerState.stateKey(i, name)
                guard let t = found[name] else {
                    problems.append("missing '\(key)'")
                    complete = false
                    continue
                }
                if t.shape != parameters[i].shape {
                    problems.append("'\(key)' has shape \(t.shape), parameter \(i) has \(parameters[i].shape)")
                    complete = false
                }
            }
            if complete { slots[i] = Slot(step: step, tensors: found) }
        }
        if !problems.isEmpty { throw OptimizerStateError(problems) }
        hyperparameters = hyper
        self.slots = slots
    }
}

/// A scalar for a message: integral values without a trailing ".0".
func plain(_ x: Double) -> String {
    if let i = Int(exactly: x) { return String(i) }
    return String(x)
}

extension Tensor {
    /// An independent copy converted for use as optimiser state.
    func stateCopy(dtype: DType, device: Device) -> Tensor {
        withNoGrad { self.detach().to(dtype, device: device).clone() }
    }
}
