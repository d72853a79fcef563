import Torch

/// An indexed list of child modules named "0", "1", … as torch.nn.ModuleList names them. Typed, so a model can
/// keep `ModuleList<StyledConv>` and call its elements directly.
public final class ModuleList<Element: Module>: Module, RandomAccessCollection {
    public private(set) var elements: [Element] = []

    public init(_ elements: [Element] = []) {
        super.init()
        for e in elements { append(e) }
    }

    /// Adds a module at the end, named by its position.
    public func append(_ element: Element) {
        registerModule(String(elements.count), element)
        elements.append(element)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { elements.count }
    public subscript(_ index: Int) -> Element { elements[index] }
}
