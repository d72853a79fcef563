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

    /// Every available core where OpenMP's threads wait passively (which `ProcessStart` arranges); otherwise, and
    /// where OMP_NUM_THREADS is set (as for distributed ranks), libtorch's own choice. With spinning threads, two
    /// threads beside another busy process made `demo` 15× slower than one (docs/PERFORMANCE.md).
    public static var defaultThreads: Int {
        if ProcessInfo.processInfo.environment["OMP_NUM_THREADS"] == nil, OpenMPWaitPolicy.isPassive {
            return ProcessInfo.processInfo.activeProcessorCount
        }
        return Torch.numThreads
    }

    public init() {}

    /// The device `name` stands for; throws one line naming it when it is not a device or not present.
    @discardableResult
    public static func device(named name: String) throws -> Device { try Device.parse(name) }

    /// Sets threads, seed, the image limit and TF32 for this process, and resolves the device.
    public func apply() throws -> Device {
        // Set even when not given, so that OpenBLAS's own pool (one spinning thread per core otherwise) follows.
        Torch.numThreads = threads ?? Self.defaultThreads
        Torch.manualSeed(seed)
        ImageLimits.maxPixels = maxPixels
        Torch.allowTF32 = tf32
        return try Self.device(named: device)
    }
}
