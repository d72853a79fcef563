import CTorch

/// Resampling filters for `Functional.interpolate`.
public enum InterpolationMode: Int32, Sendable {
    case nearest = 0, bilinear = 1, bicubic = 2, area = 3
}

/// Padding modes for `Functional.pad`.
public enum PaddingMode: Int32, Sendable {
    case constant = 0, reflect = 1, replicate = 2
}

/// `torch.nn.functional` for the layers the models are built from. Spatial arguments are (height, width) pairs.
public enum Functional {
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
        Tensor.withOptional(bias) { b in
            Tensor.withHandles([x, weight]) { h in Tensor.wrap(ct_linear(h[0], h[1], b), "linear") }
        }
    }

    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                              padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) -> Tensor {
        let s = [Int64(stride.0), Int64(stride.1)], p = [Int64(padding.0), Int64(padding.1)]
        let d = [Int64(dilation.0), Int64(dilation.1)]
        return Tensor.withOptional(bias) { b in
            Tensor.withHandles([x, weight]) { h in
                Tensor.wrap(ct_conv2d(h[0], h[1], b, s, p, d, Int64(groups)), "conv2d")
            }
        }
    }

    public static func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                                       padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0),
                                       groups: Int = 1, dilation: (Int, Int) = (1, 1)) -> Tensor {
        let s = [Int64(stride.0), Int64(stride.1)], p = [Int64(padding.0), Int64(padding.1)]
        let op = [Int64(outputPadding.0), Int64(outputPadding.1)], d = [Int64(dilation.0), Int64(dilation.1)]
        return Tensor.withOptional(bias) { b in
            Tensor.withHandles([x, weight]) { h in
                Tensor.wrap(ct_conv_transpose2d(h[0], h[1], b, s, p, op, Int64(groups), d), "conv_transpose2d")
            }
        }
    }

    public static func avgPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil,
                                 padding: (Int, Int) = (0, 0), ceilMode: Bool = false,
                                 countIncludePad: Bool = true) -> Tensor {
        let k = [Int64(kernel.0), Int64(kernel.1)]
        let s = stride.map { [Int64($0.0), Int64($0.1)] } ?? k
        let p = [Int64(padding.0), Int64(padding.1)]
        return x.unaryCall { ct_avg_pool2d($0, k, s, p, ceilMode ? 1 : 0, countIncludePad ? 1 : 0) }
    }

    public static func maxPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil,
                                 padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
                                 ceilMode: Bool = false) -> Tensor {
        let k = [Int64(kernel.0), Int64(kernel.1)]
        let s = stride.map { [Int64($0.0), Int64($0.1)] } ?? k
        let p = [Int64(padding.0), Int64(padding.1)], d = [Int64(dilation.0), Int64(dilation.1)]
        return x.unaryCall { ct_max_pool2d($0, k, s, p, d, ceilMode ? 1 : 0) }
    }

    public static func adaptiveAvgPool2d(_ x: Tensor, _ size: (Int, Int)) -> Tensor {
        let s = [Int64(size.0), Int64(size.1)]
        return x.unaryCall { ct_adaptive_avg_pool2d($0, s) }
    }

    public static func adaptiveMaxPool2d(_ x: Tensor, _ size: (Int, Int)) -> Tensor {
        let s = [Int64(size.0), Int64(size.1)]
        return x.unaryCall { ct_adaptive_max_pool2d($0, s) }
    }

    /// Resizes NCHW to `size`. `antialias` filters when down-scaling (bilinear/bicubic), as PIL and
    /// torchvision's antialiased resize do; `area` is adaptive average pooling, as F.interpolate(mode='area').
    public static func interpolate(_ x: Tensor, size: (Int, Int), mode: InterpolationMode = .bilinear,
                                   alignCorners: Bool = false, antialias: Bool = false) -> Tensor {
        x.unaryCall {
            ct_interpolate($0, Int64(size.0), Int64(size.1), mode.rawValue, alignCorners ? 1 : 0, antialias ? 1 : 0)
        }
    }

    /// Pads as torch.nn.functional.pad: `pad` lists (left, right, top, bottom, …) from the last dimension backwards.
    public static func pad(_ x: Tensor, _ pad: [Int], mode: PaddingMode = .constant, value: Double = 0) -> Tensor {
        let p = shimInts(pad)
        return x.unaryCall { ct_pad($0, p, Int32(p.count), mode.rawValue, value) }
    }

    /// Sampling grids for `gridSample` from N×2×3 affine matrices; `size` is the output NCHW size.
    public static func affineGrid(_ theta: Tensor, size: [Int], alignCorners: Bool = false) -> Tensor {
        let s = shimInts(size)
        return theta.unaryCall { ct_affine_grid($0, s, Int32(s.count), alignCorners ? 1 : 0) }
    }

    public enum GridSampleMode: Int32, Sendable { case bilinear = 0, nearest = 1, bicubic = 2 }
    public enum GridPadding: Int32, Sendable { case zeros = 0, border = 1, reflection = 2 }

    public static func gridSample(_ x: Tensor, grid: Tensor, mode: GridSampleMode = .bilinear,
                                  padding: GridPadding = .zeros, alignCorners: Bool = false) -> Tensor {
        x.binaryCall(grid) { ct_grid_sample($0, $1, mode.rawValue, padding.rawValue, alignCorners ? 1 : 0) }
    }

    public static func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, runningMean: Tensor?,
                                 runningVar: Tensor?, training: Bool, momentum: Double = 0.1,
                                 eps: Double = 1e-5) -> Tensor {
        withExtendedLifetime([weight, bias, runningMean, runningVar]) {
            x.unaryCall {
                ct_batch_norm($0, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle,
                              training ? 1 : 0, momentum, eps)
            }
        }
    }

    public static func groupNorm(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Double = 1e-5) -> Tensor {
        withExtendedLifetime([weight, bias]) {
            x.unaryCall { ct_group_norm($0, Int64(groups), weight?.handle, bias?.handle, eps) }
        }
    }

    public static func layerNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor?, bias: Tensor?,
                                 eps: Double = 1e-5) -> Tensor {
        let s = shimInts(normalizedShape)
        return withExtendedLifetime([weight, bias]) {
            x.unaryCall { ct_layer_norm($0, s, Int32(s.count), weight?.handle, bias?.handle, eps) }
        }
    }

    public static func instanceNorm(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
        withExtendedLifetime([weight, bias]) { x.unaryCall { ct_instance_norm($0, weight?.handle, bias?.handle, eps) } }
    }

    public static func dropout(_ x: Tensor, p: Double, training: Bool) -> Tensor {
        x.unaryCall { ct_dropout($0, p, training ? 1 : 0) }
    }

    public static func oneHot(_ indices: Tensor, classes: Int) -> Tensor {
        indices.unaryCall { ct_one_hot($0, Int64(classes)) }
    }
}
