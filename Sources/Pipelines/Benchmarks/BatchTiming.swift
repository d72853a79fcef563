import Torch

/// One timed batch size of a benchmark: the median of `repeats` runs after a warm-up, synchronised on the device,
/// with the throughput against the engine's measured conv peak. Shared by the generator and encoder benchmarks.
public struct BatchTiming: Codable {
    public var batch: Int
    public var secondsPerBatch: Double
    public var imagesPerSecond: Double
    public var gflops: Double
    public var percentOfPeak: Double

    public static func measure(batch: Int, flopsPerImage: Double, convPeakGFLOPS: Double, repeats: Int, device: Device,
                               _ body: () -> Void) -> BatchTiming {
        body()  // warm-up
        Torch.synchronize(device)
        let t = EngineBenchmark.median(repeats) {
            body()
            Torch.synchronize(device)
        }
        let gflops = flopsPerImage * Double(batch) / t / 1e9
        return BatchTiming(batch: batch, secondsPerBatch: t, imagesPerSecond: Double(batch) / t, gflops: gflops,
                           percentOfPeak: 100 * gflops / convPeakGFLOPS)
    }
}
