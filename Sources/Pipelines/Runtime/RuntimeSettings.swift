import Foundation
import ImageIO
import Torch

/// The device a job runs on (libtorch's), named here so that what starts jobs needs no import below Pipelines.
public typealias ComputeDevice = Device

/// Where and how a process's jobs run, as values: the device, libtorch's intra-op threads and seed, the largest image
/// decoded, and TF32. Process-wide state, so applied once at start-up by whoever starts the jobs (the CLI maps its
/// global options here) before any job runs.
public struct RuntimeSettings: Sendable {
    /// auto, cpu, cuda or cuda:N.
    public var device = "auto"
    /// Intra-op CPU threads for libtorch (nil: `defaultThreads`).
    public var threads: Int?
    /// Seed for libtorch's generator: same seed + same device = same output.
    public var seed: UInt64 = 0
    /// Largest image (width × height) decoded; checked from the file's header before decoding.
    public var maxPixels = RuntimeSettings.defaultMaxPixels
    /// Allow TF32 in CUDA fp32 convolutions and matrix products.
    public var tf32 = false

    public static var defaultMaxPixels: Int { ImageLimits.defaultMaxPixels }

    public init() {}

    /// The device `name` stands for; throws one line naming it when it is not a device or not present.
    @discardableResult
    public static func device(named name: String) throws -> Device { try Device.parse(name) }

    /// The threads a process uses unless told: `OMP_NUM_THREADS` when set (a data-parallel launch divides the
    /// cores that way), else every core. Set explicitly because Debian's libtorch 1.13 picks one thread on this
    /// project's 2-core machines while OpenBLAS spins up its own pool beside it (docs/PERFORMANCE.md).
    public static func defaultThreads(environment: [String: String] = ProcessInfo.processInfo.environment,
                                      cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        if let text = environment["OMP_NUM_THREADS"], let n = Int(text.trimmingCharacters(in: .whitespaces)), n >= 1 { return n }
        return Swift.max(1, cores)
    }

    /// Sets threads, seed, the image limit and TF32 for this process, and resolves the device.
    public func apply() throws -> Device {
        Torch.numThreads = threads ?? Self.defaultThreads()
        Torch.manualSeed(seed)
        ImageLimits.maxPixels = maxPixels
        Torch.allowTF32 = tf32
        return try Self.device(named: device)
    }
}
