import ArgumentParser
import Pipelines

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train StyleGAN2 for a new domain, an e4e/pSp encoder, GradStyle, HFGI or an attribute classifier.",
        subcommands: [TrainStyleGAN2Command.self, TrainEncoderCommand.self, TrainGradStyleCommand.self, TrainHFGICommand.self, TrainClassifierCommand.self])
}

extension TrainCommand {
    /// Runs a training job; a new run into a folder that holds a checkpoint is refused naming the options that
    /// resolve it.
    static func run(out: String, _ job: () throws -> Void) throws {
        do {
            try job()
        } catch is TrainingCheckpointExists {
            throw ValidationError("\(out) already holds a checkpoint: pass --resume to continue it, or choose another --out")
        }
    }
}
