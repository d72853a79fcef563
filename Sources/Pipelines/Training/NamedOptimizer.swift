import NN
import Torch

/// The optimiser the pSp-family trainings (e4e, GradStyle, HFGI) choose by name, as their `configure_optimizers`:
/// Ranger unless told "adam".
enum NamedOptimizer {
    static func make(_ name: String, _ parameters: [Tensor], learningRate: Double) -> Optimizer {
        name == "adam" ? Adam(parameters, learningRate: learningRate) : Ranger(parameters, learningRate: learningRate)
    }
}
