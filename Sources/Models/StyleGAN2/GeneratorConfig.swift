import Foundation

/// The shape of a StyleGAN2 generator: enough to build it. Read from our checkpoints' metadata or inferred from a
/// state dict's tensor shapes, so non-standard checkpoints load without flags.
public struct GeneratorConfig: Codable, Equatable, Sendable {
    /// Output resolution (a power of two, 4…1024).
    public var size: Int
    public var styleDim: Int
    /// Mapping network depth.
    public var mappingLayers: Int
    /// Channels at each resolution 4, 8, …, size.
    public var channels: [Int: Int]
    /// Mapping learning-rate multiplier: it scales the mapping weights at run time, so it must match training.
    public var lrMapping: Double
    public var blurTaps: [Float]
    /// NVIDIA's `conv_clamp` (nil: no clamping), applied after activations and to RGB outputs.
    public var convClamp: Double?

    public init(size: Int, styleDim: Int = 512, mappingLayers: Int = 8, channelMultiplier: Int = 2,
                lrMapping: Double = 0.01, blurTaps: [Float] = [1, 3, 3, 1], convClamp: Double? = nil) {
        self.size = size
        self.styleDim = styleDim
        self.mappingLayers = mappingLayers
        self.channels = GeneratorConfig.standardChannels(size: size, multiplier: channelMultiplier)
        self.lrMapping = lrMapping
        self.blurTaps = blurTaps
        self.convClamp = convClamp
    }

    public init(size: Int, styleDim: Int, mappingLayers: Int, channels: [Int: Int], lrMapping: Double = 0.01,
                blurTaps: [Float] = [1, 3, 3, 1], convClamp: Double? = nil) {
        self.size = size
        self.styleDim = styleDim
        self.mappingLayers = mappingLayers
        self.channels = channels
        self.lrMapping = lrMapping
        self.blurTaps = blurTaps
        self.convClamp = convClamp
    }

    /// rosinality's channel table: 512 up to 32², then 256·m, 128·m, … halving.
    public static func standardChannels(size: Int, multiplier: Int) -> [Int: Int] {
        let table = [4: 512, 8: 512, 16: 512, 32: 512, 64: 256 * multiplier, 128: 128 * multiplier,
                     256: 64 * multiplier, 512: 32 * multiplier, 1024: 16 * multiplier]
        return table.filter { $0.key <= size }
    }

    public var logSize: Int { Int(log2(Double(size)).rounded()) }
    /// Number of W+ entries: two per resolution from 8², plus two at 4² (conv and ToRGB).
    public var latentCount: Int { logSize * 2 - 2 }
    /// Number of noise inputs (one per styled conv).
    public var noiseCount: Int { (logSize - 2) * 2 + 1 }
    /// Resolutions 4, 8, …, size.
    public var resolutions: [Int] { (2...logSize).map { 1 << $0 } }

    /// Checks internal consistency; the message names what is wrong.
    public func validate() throws {
        guard size >= 4, size <= 4096, size & (size - 1) == 0 else {
            throw ModelError("generator size \(size) is not a power of two between 4 and 4096")
        }
        guard styleDim > 0, mappingLayers >= 0 else { throw ModelError("invalid style dim \(styleDim) / mapping depth \(mappingLayers)") }
        for r in resolutions where (channels[r] ?? 0) <= 0 {
            throw ModelError("generator config has no channel count for resolution \(r)")
        }
    }
}
