/// Thin strokes (hair strands, marks, wrinkles) as polylines with a bounding box, for sub-sample inside tests.
struct Stroke {
    var points: [SIMD2<Float>]
    var halfWidth: Float
    var minX: Float, minY: Float, maxX: Float, maxY: Float

    init(points: [SIMD2<Float>], halfWidth: Float) {
        self.points = points
        self.halfWidth = halfWidth
        var lo = points[0], hi = points[0]
        for p in points {
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        minX = lo.x - halfWidth
        minY = lo.y - halfWidth
        maxX = hi.x + halfWidth
        maxY = hi.y + halfWidth
    }

    /// A quadratic Bézier flattened into `segments` pieces.
    init(p0: SIMD2<Float>, p1: SIMD2<Float>, p2: SIMD2<Float>, halfWidth: Float, segments: Int = 8) {
        var pts: [SIMD2<Float>] = []
        pts.reserveCapacity(segments + 1)
        for i in 0...segments {
            let t = Float(i) / Float(segments), u = 1 - t
            pts.append(u * u * p0 + 2 * u * t * p1 + t * t * p2)
        }
        self.init(points: pts, halfWidth: halfWidth)
    }

    /// Whether (x, y) is within the stroke's half-width of the polyline.
    @inline(__always) func contains(_ x: Float, _ y: Float) -> Bool {
        guard x >= minX, x <= maxX, y >= minY, y <= maxY else { return false }
        let limit = halfWidth * halfWidth
        let p = SIMD2<Float>(x, y)
        for i in 1..<points.count where segmentDistanceSquared(p, points[i - 1], points[i]) <= limit { return true }
        return false
    }
}

/// Squared distance from p to the segment [a, b].
@inline(__always) func segmentDistanceSquared(_ p: SIMD2<Float>, _ a: SIMD2<Float>, _ b: SIMD2<Float>) -> Float {
    let ab = b - a, ap = p - a
    let len2 = (ab * ab).sum()
    let t = len2 > 0 ? min(max((ap * ab).sum() / len2, 0), 1) : 0
    let d = ap - t * ab
    return (d * d).sum()
}

extension SIMD2 where Scalar == Double {
    var float: SIMD2<Float> { SIMD2<Float>(Float(x), Float(y)) }
}
