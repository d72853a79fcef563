/// The options every training on a frozen inversion model has, under the same names and defaults
/// (`GradStyleTrainingOptions`, `HFGITrainingOptions`): what sets them can do so once for both. Each struct keeps its
/// own stored fields, so the options recorded in checkpoints keep their form.
public protocol InversionTrainingOptions {
    var batch: Int { get set }
    var learningRate: Double { get set }
    /// "ranger" or "adam".
    var optimizer: String { get set }
    var lambdaL2: Double { get set }
    var lambdaLPIPS: Double { get set }
    var lambdaID: Double { get set }
    var sampleEvery: Int { get set }
    var checkpointEvery: Int { get set }
}

extension GradStyleTrainingOptions: InversionTrainingOptions {}
extension HFGITrainingOptions: InversionTrainingOptions {}
