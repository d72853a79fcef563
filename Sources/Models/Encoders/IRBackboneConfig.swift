import Foundation

/// The shape of an IR / IR-SE ResNet (the ArcFace backbone of TreB1eN/InsightFace_Pytorch that pSp and e4e encode
/// with): four stages of bottleneck units, each stage halving the resolution in its first unit.
///
/// The reference `get_blocks(num_layers)` tables are `units` for depth 50 / 100 / 152 with widths 64-128-256-512;
/// here both are free so that a small domain can use a small network (`depth(18)`: two units per stage, and a width
/// multiplier). The stem (`input_layer`) outputs `widths[0]` channels, as the reference's 64-wide stem feeds its
/// 64-wide first stage.
public struct IRBackboneConfig: Codable, Equatable, Sendable {
    /// `bottleneck_IR` (`ir`) or `bottleneck_IR_SE` (`ir_se`, with a squeeze-and-excitation module).
    public enum UnitKind: String, Codable, Sendable, CaseIterable {
        case ir
        case irSE = "ir_se"
    }

    /// Units per stage (4 stages).
    public var units: [Int]
    /// Output channels per stage (4 stages).
    public var widths: [Int]
    public var mode: UnitKind
    /// SE bottleneck ratio: `fc1` maps width → width / reduction (16 in the reference).
    public var seReduction: Int
    /// Image channels into the stem (3; pSp's `input_nc` may differ for other input modalities).
    public var inputChannels: Int

    public static let referenceWidths = [64, 128, 256, 512]

    public init(units: [Int], widths: [Int] = IRBackboneConfig.referenceWidths, mode: UnitKind = .irSE,
                seReduction: Int = 16, inputChannels: Int = 3) {
        self.units = units
        self.widths = widths
        self.mode = mode
        self.seReduction = seReduction
        self.inputChannels = inputChannels
    }

    /// The unit table of `get_blocks(depth)` (50, 100, 152), plus 18: two units per stage, for small domains.
    public static func unitTable(depth: Int) -> [Int]? {
        switch depth {
        case 18: return [2, 2, 2, 2]
        case 50: return [3, 4, 14, 3]
        case 100: return [3, 13, 30, 3]
        case 152: return [3, 8, 36, 3]
        default: return nil
        }
    }

    /// A reference-shaped backbone of `depth` with widths 64·m, 128·m, 256·m, 512·m (rounded, at least 1).
    public static func depth(_ depth: Int, mode: UnitKind = .irSE, widthMultiplier: Double = 1,
                             seReduction: Int = 16, inputChannels: Int = 3) throws -> IRBackboneConfig {
        guard let units = unitTable(depth: depth) else {
            throw ModelError("invalid IR backbone depth \(depth): expected 18, 50, 100 or 152")
        }
        guard widthMultiplier > 0, widthMultiplier.isFinite else {
            throw ModelError("invalid width multiplier \(widthMultiplier): expected a positive number")
        }
        let widths = referenceWidths.map { Swift.max(1, Int((Double($0) * widthMultiplier).rounded())) }
        let config = IRBackboneConfig(units: units, widths: widths, mode: mode, seReduction: seReduction,
                                      inputChannels: inputChannels)
        try config.validate()
        return config
    }

    /// IR-SE-50 at full width: the official pSp / e4e encoder and ArcFace backbone.
    public static let irSE50 = IRBackboneConfig(units: [3, 4, 14, 3])

    /// The reference depth name when the units match a table (50, 100, 152, 18), else nil.
    public var depth: Int? { [18, 50, 100, 152].first { IRBackboneConfig.unitTable(depth: $0) == units } }

    /// One entry per unit, in body order: `Bottleneck(in_channel, depth, stride)` of `get_block`.
    public var bottlenecks: [(inChannels: Int, depth: Int, stride: Int)] {
        var out: [(Int, Int, Int)] = []
        for (stage, count) in units.enumerated() {
            let inChannels = stage == 0 ? widths[0] : widths[stage - 1]
            out.append((inChannels, widths[stage], 2))
            for _ in 1..<Swift.max(count, 1) { out.append((widths[stage], widths[stage], 1)) }
        }
        return out
    }

    /// The body index of each stage's last unit. For IR-50 these are 2, 6, 20, 23: the reference encoders read
    /// c1, c2, c3 at indices 6, 20, 23.
    public var stageEnds: [Int] {
        var ends: [Int] = [], total = 0
        for count in units {
            total += count
            ends.append(total - 1)
        }
        return ends
    }

    public func validate() throws {
        guard units.count == 4, widths.count == 4 else {
            throw ModelError("an IR backbone has 4 stages; got units \(units) and widths \(widths)")
        }
        guard units.allSatisfy({ $0 >= 1 }) else { throw ModelError("IR backbone units \(units): every stage needs at least one unit") }
        guard widths.allSatisfy({ $0 >= 1 }) else { throw ModelError("IR backbone widths \(widths) must be positive") }
        guard inputChannels >= 1 else { throw ModelError("IR backbone input channels must be positive") }
        if mode == .irSE {
            guard seReduction >= 1 else { throw ModelError("SE reduction must be at least 1") }
            if let narrow = widths.first(where: { $0 / seReduction < 1 }) {
                throw ModelError("SE reduction \(seReduction) leaves no channels at width \(narrow): use wider stages or a smaller SE reduction")
            }
        }
    }
}
