import Foundation

/// Mean, sample standard deviation and a 95% confidence interval of the mean of one metric over images. The
/// interval is Student-t based: mean ± t(0.975, n − 1) · s / √n (undefined for n < 2 or non-finite values).
public struct MetricSummary: Equatable, Sendable {
    public let count: Int
    public let mean: Double
    /// Sample standard deviation (n − 1); nil for n < 2.
    public let std: Double?
    /// 95% interval of the mean; nil when undefined.
    public let interval: ClosedRange<Double>?

    public static let intervalDescription = "95% CI of the mean, Student t"

    public init(_ values: [Double]) {
        count = values.count
        mean = values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        guard values.count >= 2, values.allSatisfy(\.isFinite) else {
            std = nil
            interval = nil
            return
        }
        let m = mean
        let s = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        std = s
        let half = StudentT.quantile(0.975, df: Double(values.count - 1)) * s / Double(values.count).squareRoot()
        interval = (m - half)...(m + half)
    }
}
