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
    /// Intra-op CPU threads for libtorch (nil: libtorch's choice).
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

    /// Sets threads, seed, the image limit and TF32 for this process, and resolves the device.
    public func apply() throws -> Device {
        // Not every core by default: beside another busy process, two OpenMP threads on two cores made `demo` 15×
        // slower than one (docs/PERFORMANCE.md).
        if let threads { Torch.numThreads = threads }
        Torch.manualSeed(seed)
        ImageLimits.maxPixels = maxPixels
        Torch.allowTF32 = tf32
        return try Self.device(named: device)
    }
}
