import Foundation
import Models
import NN
import SwiftCSV
import TensorIO
import Torch

/// `gradstyle directions fit`: an InterFaceGAN-style boundary for a binary attribute in W space — a linear
/// classifier on codes, whose unit normal n is the editing direction (w' = w + s·n) — with held-out accuracy, and
/// conditional manipulation (InterFaceGAN §3.3): n is made orthogonal to the normals of attributes to keep fixed.
public struct DirectionFitting {
    public enum Method: String, CaseIterable, Sendable { case logistic, svm }

    public var latentsURL: URL
    public var labelsURL: URL
    public var attribute: String
    public var method: Method = .logistic
    /// Values above it are positive; nil → the median (or 0.5 for 0/1 labels).
    public var threshold: Double?
    /// Keep only the most extreme `ratio` of samples on each side (InterFaceGAN keeps the clear cases), 0 < r ≤ 0.5.
    public var ratio = 0.5
    /// Fraction held out for the accuracy figure.
    public var validationFraction = 0.3
    public var steps = 500
    public var l2 = 1e-3
    /// Normals of attributes to keep fixed (their `.npy` files).
    public var conditions: [URL] = []

    public init(latents: URL, labels: URL, attribute: String) {
        latentsURL = latents
        labelsURL = labels
        self.attribute = attribute
    }

    public struct Result {
        public var normal: Tensor
        public var trainAccuracy: Double
        public var validationAccuracy: Double
        public var positives: Int
        public var negatives: Int
        /// Standard deviation of the codes' projections on n: strength 1 moves a code by this many "typical spreads".
        public var projectionStd: Double
        public var threshold: Double
    }

    /// Codes as N×D (W+ codes are averaged over layers, as InterFaceGAN works in W).
    static func readLatents(_ url: URL) throws -> Tensor {
        let host = try NPY.read(url)
        try FiniteValues.check(host, label: "the latent array", path: url.path, limit: FiniteValues.latentLimit)
        let t = Tensor(host).to(.float64)
        switch host.shape.count {
        case 2: return t
        case 3: return t.mean(dim: 1)
        default: throw TensorIOError(url, "latents have shape \(host.shape); expected N×D or N×L×D")
        }
    }

    static func readLabels(_ url: URL, attribute: String, count: Int) throws -> [Double] {
        let csv: CSV<Named>
        do { csv = try CSV<Named>(url: url) } catch { throw TensorIOError(url, "cannot read CSV: \(error)") }
        guard csv.header.contains(attribute) else {
            throw TensorIOError(url, "no column '\(attribute)' (columns: \(csv.header.joined(separator: ", ")))")
        }
        guard csv.rows.count == count else {
            throw TensorIOError(url, "\(csv.rows.count) label rows for \(count) latents (rows must be in the same order)")
        }
        return try csv.rows.enumerated().map { i, row in
            guard let v = Double(row[attribute] ?? "") else {
                throw TensorIOError(url, "row \(i + 2): '\(row[attribute] ?? "")' in column '\(attribute)' is not a number")
            }
            return v
        }
    }

    public func run() throws -> Result {
        let w = try DirectionFitting.readLatents(latentsURL)
        let n = w.size(0), d = w.size(1)
        let values = try DirectionFitting.readLabels(labelsURL, attribute: attribute, count: n)
        let binary = Set(values).isSubset(of: [0, 1])
        let cut = threshold ?? (binary ? 0.5 : values.sorted()[values.count / 2])
        // the clearest cases on each side
        let order = values.indices.sorted { values[$0] < values[$1] }
        let keep = Swift.max(1, Int(Double(n) * Swift.min(Swift.max(ratio, 0), 0.5)))
        let negatives = order.prefix(keep).filter { values[$0] <= cut }
        let positives = order.suffix(keep).filter { values[$0] > cut }
        guard !negatives.isEmpty, !positives.isEmpty else {
            throw ModelError("attribute '\(attribute)': no samples on one side of the threshold \(cut)")
        }
        // deterministic interleaved split into train / validation
        var train: [Int] = [], val: [Int] = []
        for (i, idx) in (negatives + positives).enumerated() {
            if Double(i % 10) < validationFraction * 10 { val.append(idx) } else { train.append(idx) }
        }
        if val.isEmpty { val = train }
        let labels = Tensor((0..<n).map { values[$0] > cut ? 1.0 : 0.0 })
        let mean = w.indexSelect(dim: 0, index: Tensor(indices: train)).mean(dim: 0, keepDim: true)
        let x = w - mean
        let xt = x.indexSelect(dim: 0, index: Tensor(indices: train)), yt = labels.indexSelect(dim: 0, index: Tensor(indices: train))

        // Full-batch gradient descent (deterministic), logistic or squared-hinge SVM loss with L2.
        let weight = Tensor.zeros([d], dtype: .float64).requiresGrad(true)
        let bias = Tensor.zeros([1], dtype: .float64).requiresGrad(true)
        let scale = 1 / Swift.max(x.std().item(), 1e-12)
        let optimizer = Adam([weight, bias], learningRate: 0.05)
        for _ in 0..<steps {
            let margin = xt.matmul(weight) * scale + bias
            let loss: Tensor
            switch method {
            case .logistic:
                // softplus(m) − y·m = −log σ(±m)
                loss = (margin.softplus() - yt * margin).mean() + weight.square().sum() * l2
            case .svm:
                let signed = (yt * 2 - 1) * margin
                loss = (1 - signed).clamp(min: 0).square().mean() + weight.square().sum() * l2
            }
            weight.zeroGrad()
            bias.zeroGrad()
            loss.backward()
            optimizer.step()
        }
        func accuracy(_ idx: [Int]) -> Double {
            withNoGrad {
                let xi = x.indexSelect(dim: 0, index: Tensor(indices: idx)), yi = labels.indexSelect(dim: 0, index: Tensor(indices: idx))
                let predicted = (xi.matmul(weight) * scale + bias).gt(0).to(.float64)
                return predicted.eq(yi).to(.float64).mean().item()
            }
        }
        var normal = weight.detach() / weight.detach().norm().item()
        for c in conditions {
            let host = try NPY.read(c)
            try FiniteValues.check(host, label: "the condition normal", path: c.path, limit: FiniteValues.latentLimit)
            let other = Tensor(host).to(.float64).reshape([-1])
            guard other.count == d else { throw TensorIOError(c, "condition normal has \(other.count) values; expected \(d)") }
            // An all-zero normal has no direction to keep fixed (and would divide by zero).
            guard other.norm().item() > 1e-12 else { throw TensorIOError(c, "condition normal is all zeros") }
            normal = DirectionFitting.projectOut(normal, other)
        }
        // Degenerate data (a condition parallel to the boundary, constant codes) leaves no direction: refuse it
        // rather than write NaN.
        if FiniteValues.firstProblem(in: normal.to(.float32).contiguous().hostTensor()) != nil {
            throw ModelError("attribute '\(attribute)': the fitted direction is not finite (the conditions remove "
                             + "every direction the codes vary in, or the codes do not vary)")
        }
        let projections = (x.matmul(normal))
        return Result(normal: normal.to(.float32), trainAccuracy: accuracy(train), validationAccuracy: accuracy(val),
                      positives: positives.count, negatives: negatives.count, projectionStd: projections.std().item(),
                      threshold: cut)
    }

    /// n − (n·c)c for unit c, renormalised: moving along the result leaves the condition attribute's score fixed.
    public static func projectOut(_ n: Tensor, _ c: Tensor) -> Tensor {
        let cu = c / c.norm().item()
        let p = n - cu * (n * cu).sum().item()
        return p / p.norm().item()
    }

    /// Whether `name` can name the written files: a plain file name (no folders, no leading dot), so the result
    /// lands in the output folder and nowhere else.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && !name.contains("\0") && name.utf8.count <= 200
    }

    /// Writes NAME.npy (1×D float32) and NAME.json (accuracy, counts, scale) into `folder`, both or neither.
    public static func write(_ r: Result, name: String, method: Method, to folder: URL) throws {
        guard isValidName(name) else {
            throw ModelError("invalid direction name '\(name)': expected a plain file name (no '/', not starting with '.')")
        }
        _ = try StagingFolder.publish(into: folder, addingTo: true) { staging in try stage(r, name: name, method: method, in: staging) }
    }

    private static func stage(_ r: Result, name: String, method: Method, in staging: StagingFolder) throws {
        let host = r.normal.reshape([1, -1]).contiguous().hostTensor()
        try FiniteValues.check(host, label: "direction '\(name)'", path: staging.destination.path)
        try NPY.write(host, to: staging.url(for: "\(name).npy"))
        let info: [String: Any] = [
            "attribute": name, "method": method.rawValue, "train_accuracy": r.trainAccuracy,
            "validation_accuracy": r.validationAccuracy, "positives": r.positives, "negatives": r.negatives,
            "threshold": r.threshold, "projection_std": r.projectionStd,
            "scale": String(format: "InterFaceGAN: w + s·n with |n| = 1; the codes' spread along n is %.3f, so s = %.3f is one standard deviation", r.projectionStd, r.projectionStd),
        ]
        let data = try JSONSerialization.data(withJSONObject: info, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(data, to: staging.url(for: "\(name).json"))
    }
}
