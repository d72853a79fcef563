import Torch

/// Layers applied in order, registered as children "0", "1", … exactly as torch.nn.Sequential names them
/// (so checkpoint keys such as `body.3.res_layer.1.weight` line up).
public final class Sequential: Module, Layer {
    public private(set) var layers: [any Layer] = []

    public init(_ layers: [any Layer]) {
        super.init()
        for layer in layers { append(layer) }
    }

    public convenience init(_ layers: any Layer...) { self.init(layers) }

    /// Adds a layer at the end, named by its position.
    public func append(_ layer: any Layer) {
        registerModule(String(layers.count), layer)
        layers.append(layer)
    }

    public var count: Int { layers.count }
    public subscript(_ index: Int) -> any Layer { layers[index] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        layers.reduce(x) { $1($0) }
    }
}
