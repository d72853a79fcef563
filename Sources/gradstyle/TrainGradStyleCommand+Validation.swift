import ArgumentParser

/// Numeric options of `train gradstyle`, checked before anything loads (kept apart from the command so its option
/// list can grow without touching this).
extension TrainGradStyleCommand {
    func validate() throws {
        try training.checkRun()
        try training.checkLambdas([(lambdaAlign, "--lambda-align")])
        try OptionCheck.double(misalignStrength, "--misalign-strength", 0...1)
        try OptionCheck.count(residualChannels, "--residual-channels", max: 8192)
        try OptionCheck.count(grmBlocks, "--grm-blocks", max: 64)
        try OptionCheck.count(heads, "--heads", max: 256)
        try OptionCheck.count(headDim, "--head-dim", max: 4096)
        try OptionCheck.count(alignerBlocks, "--aligner-blocks", max: 64)
        try OptionCheck.positive(selectRatio, "--select-ratio", max: 1)
        try training.checkCadence()
        _ = try networkOptions()
        _ = try trainingOptions()
    }
}
