import ArgumentParser

/// Numeric options of `train gradstyle`, checked before anything loads (kept apart from the command so its option
/// list can grow without touching this).
extension TrainGradStyleCommand {
    func validate() throws {
        try OptionCheck.count(steps, "--steps")
        try OptionCheck.batch(batch)
        try OptionCheck.positive(learningRate, "--lr", max: 10)
        for (value, flag) in [(lambdaL2, "--lambda-l2"), (lambdaLpips, "--lambda-lpips"), (lambdaId, "--lambda-id"),
                              (lambdaAlign, "--lambda-align")] {
            try OptionCheck.double(value, flag, 0...1e6)
        }
        try OptionCheck.double(misalignStrength, "--misalign-strength", 0...1)
        try OptionCheck.count(residualChannels, "--residual-channels", max: 8192)
        try OptionCheck.count(grmBlocks, "--grm-blocks", max: 64)
        try OptionCheck.count(heads, "--heads", max: 256)
        try OptionCheck.count(headDim, "--head-dim", max: 4096)
        try OptionCheck.count(alignerBlocks, "--aligner-blocks", max: 64)
        try OptionCheck.positive(selectRatio, "--select-ratio", max: 1)
        try OptionCheck.count(checkpointEvery, "--checkpoint-every")
        try OptionCheck.count(sampleEvery, "--sample-every")
        _ = try networkOptions()
        _ = try trainingOptions()
    }
}
