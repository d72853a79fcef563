import TensorIO

extension StateDict {
    /// The tensors on `device`, by name.
    public func tensors(device: Device = .cpu) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, host) in self { out[name] = Tensor(host, device: device) }
        return out
    }
}
