import ArgumentParser

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train StyleGAN2 for a new domain, an e4e/pSp encoder, or GradStyle.",
        subcommands: [TrainStyleGAN2Command.self, TrainEncoderCommand.self, TrainGradStyleCommand.self, TrainHFGICommand.self, TrainClassifierCommand.self])
}
