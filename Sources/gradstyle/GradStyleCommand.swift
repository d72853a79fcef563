import ArgumentParser

@main
struct GradStyleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradstyle",
        abstract: "GAN inversion and real-image attribute editing with GradStyle on StyleGAN2.",
        subcommands: [
            GenerateCommand.self, AlignCommand.self, InvertCommand.self, EditCommand.self, TrainCommand.self, EvalCommand.self,
            InspectCommand.self, DemoCommand.self, BenchCommand.self, DirectionsCommand.self, DataCommand.self,
            ServeCommand.self, BundleCommand.self,
        ]
    )
}
