import Foundation

/// A point on the visible front of the head, as the head shader sees it.
struct SurfacePoint {
    /// Surface coordinates: arc length from the face's midline and height from the head's centre (canvas units).
    var a: Float
    var b: Float
    /// Longitude from the face's midline in radians (0 = the nose, ±π/2 = the ears).
    var theta: Float
    /// Unit normal in view space: x right, y down, z towards the viewer.
    var normal: SIMD3<Float>
}

/// The head as a 3-D solid seen in orthographic projection, turned by the yaw angle about the vertical axis.
///
/// Each horizontal slice at height b (down from the head's centre) is an ellipse with half-axes `wx(b)` across
/// and `wz(b)` in depth; the slices follow a round skull above the centre and a jaw that narrows to the chin
/// below. A slice turned by ψ projects to a segment of half-width `sqrt(wx²cos²ψ + wz²sin²ψ)`, which is how the
/// outline changes with yaw, and the inverse map (screen → longitude) is closed-form, so every pixel of the head
/// finds its surface coordinates exactly and the features painted there follow the head and foreshorten on the
/// far side.
struct HeadGeometry {
    /// Centre of the head on the canvas (canvas units, 0…1, y down).
    let cx: Float
    let cy: Float
    /// Half-width, half-height and half-depth of the head.
    let rx: Float
    let ry: Float
    let rz: Float
    let cosPsi: Float
    let sinPsi: Float
    /// How much the jaw narrows, 0…0.5.
    let jawTaper: Float

    /// Maximum head turn in radians (yaw ±1).
    static let maxYaw: Float = 0.65

    init(attributes: FaceAttributes, features: FeatureShape) {
        let yaw = Float(min(max(attributes.yaw, -1), 1))
        let psi = yaw * HeadGeometry.maxYaw
        cosPsi = cos(psi)
        sinPsi = sin(psi)
        let width = Float(min(max(attributes.faceWidth, -1), 1))
        let age = Float(clamp01(Float(attributes.age)))
        rx = 0.158 * (1 + 0.11 * width)
        ry = 0.232
        rz = rx * 1.12
        // The head turns about the neck, which is behind its centre: the centre swings towards the turn.
        cx = 0.5 + 0.045 * sinPsi
        cy = 0.425
        jawTaper = 0.16 + 0.2 * Float(min(max(features.jaw, 0), 1)) - 0.1 * age
    }

    /// The slice profile: 1 at the centre, falling to 0 at the crown (round) and at the chin (flatter).
    @inline(__always) func profile(_ b: Float) -> Float {
        let t = b / ry
        if t <= 0 { return (max(0, 1 - t * t)).squareRoot() }
        let t3 = t * t * t
        return (max(0, 1 - t3 * (0.55 + 0.45 * t))).squareRoot()
    }

    /// Jaw narrowing below the centre.
    @inline(__always) func taper(_ b: Float) -> Float {
        guard b > 0 else { return 1 }
        let t = b / ry
        return 1 - jawTaper * t * t
    }

    @inline(__always) func wx(_ b: Float) -> Float { rx * taper(b) * profile(b) }
    @inline(__always) func wz(_ b: Float) -> Float { rz * profile(b) }

    /// Half-width of the head's outline at height b (canvas y = cy + b).
    @inline(__always) func silhouetteHalfWidth(_ b: Float) -> Float {
        let x = wx(b), z = wz(b)
        return (x * x * cosPsi * cosPsi + z * z * sinPsi * sinPsi).squareRoot()
    }

    /// The visible surface point under canvas point (x, y), or nil outside the head.
    @inline(__always) func surface(x: Float, y: Float) -> SurfacePoint? {
        let b = y - cy
        guard abs(b) < ry else { return nil }
        let sx = wx(b), sz = wz(b)
        guard sx > 1e-6 else { return nil }
        let half = (sx * sx * cosPsi * cosPsi + sz * sz * sinPsi * sinPsi).squareRoot()
        let u = (x - cx) / half
        guard abs(u) < 1 else { return nil }
        let beta = atan2(sz * sinPsi, sx * cosPsi)
        let theta = asin(u) - beta
        return SurfacePoint(a: theta * sx, b: b, theta: theta, normal: normal(theta: theta, b: b))
    }

    /// The view-space unit normal at longitude θ and height b.
    @inline(__always) func normal(theta: Float, b: Float) -> SIMD3<Float> {
        let g = profile(b)
        let hx = g * sin(theta) / (rx * taper(b)), hz = g * cos(theta) / rz, hy = b / (ry * ry)
        var n = SIMD3<Float>(hx * cosPsi + hz * sinPsi, hy, -hx * sinPsi + hz * cosPsi)
        n /= max((n * n).sum().squareRoot(), 1e-6)
        return n
    }

    /// Where surface point (a, b), lifted `lift` along its normal, lands on the canvas, and its depth (positive
    /// towards the viewer; negative is the far side of the head).
    func project(a: Float, b: Float, lift: Float = 0) -> (x: Float, y: Float, depth: Float) {
        let sx = max(wx(b), 1e-6)
        return project(theta: a / sx, b: b, lift: lift)
    }

    func project(theta: Float, b: Float, lift: Float = 0) -> (x: Float, y: Float, depth: Float) {
        let sx = wx(b), sz = wz(b)
        let hx = sx * sin(theta), hz = sz * cos(theta)
        let n = normal(theta: theta, b: b)
        let x = hx * cosPsi + hz * sinPsi + lift * n.x
        let depth = -hx * sinPsi + hz * cosPsi + lift * n.z
        return (cx + x, cy + b + lift * n.y, depth)
    }
}
