import Foundation

extension Tensor: CustomStringConvertible {
    /// `Tensor([2, 3], float32, cpu)` followed by the values when there are at most 64 of them.
    public var description: String {
        guard isDefined else { return "Tensor(undefined)" }
        let head = "Tensor(\(shape), \(dtype), \(device)\(requiresGrad ? ", requires_grad" : ""))"
        guard count <= 64 else { return head }
        let values = dtype.isFloatingPoint
            ? floats().map { String(format: "%.4g", $0) }
            : int64s().map { String($0) }
        return head + " [" + values.joined(separator: ", ") + "]"
    }
}
