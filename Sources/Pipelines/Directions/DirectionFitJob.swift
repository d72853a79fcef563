import Foundation

/// `gradstyle directions fit`: fits a boundary (`DirectionFitting`) and writes it as NAME.npy + NAME.json into `out`.
public struct DirectionFitJob {
    public var fitting: DirectionFitting
    /// Name of the written direction (nil: the attribute).
    public var name: String?
    public var out: URL

    public init(fitting: DirectionFitting, out: URL) {
        self.fitting = fitting
        self.out = out
    }

    /// The direction's file name (without extension).
    public var directionName: String { name ?? fitting.attribute }

    /// What the fit found, for the one line the verb prints.
    public struct Summary {
        public let name: String
        public let positives: Int
        public let negatives: Int
        public let trainAccuracy: Double
        public let validationAccuracy: Double
        /// Spread of the codes along the unit normal.
        public let projectionStd: Double
    }

    public func run() throws -> Summary {
        let r = try fitting.run()
        try DirectionFitting.write(r, name: directionName, method: fitting.method, to: out)
        return Summary(name: directionName, positives: r.positives, negatives: r.negatives, trainAccuracy: r.trainAccuracy,
                       validationAccuracy: r.validationAccuracy, projectionStd: r.projectionStd)
    }
}
