import Torch

/// A module whose forward pass maps one tensor to one tensor, so `Sequential` can chain it.
public protocol Layer: Module {
    func callAsFunction(_ x: Tensor) -> Tensor
}
