import Torch

/// An exponential moving average of a model's weights — StyleGAN2's `g_ema`, kept as a second module of the same
/// architecture. Each update does, for every parameter, avg ← decay·avg + (1 − decay)·source (rosinality's
/// `accumulate`), and copies every buffer (running statistics, constant noise) from the source, so the average is
/// a complete model. Matching is by dotted name; the average's parameters never require gradients.
public final class EMA {
    /// The averaged model.
    public let model: Module

    /// Wraps `average` (freshly built with the same architecture as `source`), checking the structures match,
    /// and starts it as an exact copy of `source` (rosinality's `accumulate(g_ema, generator, 0)`).
    public init(_ average: Module, source: Module) throws {
        try EMA.checkStructure(average, source)
        model = average
        average.freeze()
        average.eval()
        update(from: source, decay: 0)
    }

    /// Moves the average toward `source`: `decay` 0 copies, 1 keeps the average unchanged.
    public func update(from source: Module, decay: Double) {
        EMA.accumulate(into: model, from: source, decay: decay)
    }

    /// avg ← decay·avg + (1 − decay)·source for parameters, plain copies for buffers, matched by name. A missing name
    /// is a bug in the caller (the structures were checked at `init`), so it traps.
    public static func accumulate(into average: Module, from source: Module, decay: Double) {
        precondition((0...1).contains(decay), "EMA: decay \(decay) not in [0, 1]")
        let sourceParameters = Dictionary(source.namedParameters().map { ($0.name, $0.tensor) },
                                          uniquingKeysWith: { a, _ in a })
        let sourceBuffers = Dictionary(source.namedBuffers().map { ($0.name, $0.tensor) },
                                       uniquingKeysWith: { a, _ in a })
        withNoGrad {
            for (name, avg) in average.namedParameters() {
                guard let src = sourceParameters[name] else { preconditionFailure("EMA: source has no parameter '\(name)'") }
                let value = src.device == avg.device ? src : src.to(device: avg.device)
                avg.mul_(decay)
                avg.add_(value, alpha: 1 - decay)
            }
            for (name, avg) in average.namedBuffers() {
                guard let src = sourceBuffers[name] else { preconditionFailure("EMA: source has no buffer '\(name)'") }
                avg.copy_(src)
            }
        }
    }

    /// Both modules must have the same parameter and buffer names with the same shapes.
    static func checkStructure(_ average: Module, _ source: Module) throws {
        func shapes(_ pairs: [(name: String, tensor: Tensor)]) -> [String: [Int]] {
            Dictionary(pairs.map { ($0.name, $0.tensor.shape) }, uniquingKeysWith: { a, _ in a })
        }
        let a = shapes(average.namedParameters() + average.namedBuffers())
        let s = shapes(source.namedParameters() + source.namedBuffers())
        var report = StateDictReport()
        report.missing = s.keys.filter { a[$0] == nil }.sorted()
        report.unexpected = a.keys.filter { s[$0] == nil }.sorted()
        report.shapeMismatches = a.keys.sorted().compactMap { key in
            guard let found = s[key], let expected = a[key], found != expected else { return nil }
            return .init(key: key, expected: expected, found: found)
        }
        if !report.isClean {
            throw StateDictError(moduleType: "EMA average \(average.typeName) vs source \(source.typeName)",
                                 report: report)
        }
    }
}
