/// The plane homography through four point pairs: the eight unknowns (a…h, with the ninth entry 1) of
/// u = (a·x + b·y + c)/(g·x + h·y + 1), v = (d·x + e·y + f)/(g·x + h·y + 1), from the 8×8 linear system the pairs
/// give (direct linear transform), solved in float64 by Gauss–Jordan elimination with partial pivoting. GradStyle's
/// misalignment warp and HFGI's torchvision perspective both need it.
enum FourPointHomography {
    /// a…h, row-major, taking each `from` point to its `to` point.
    static func coefficients(from: [(Double, Double)], to: [(Double, Double)]) -> [Double] {
        precondition(from.count == 4 && to.count == 4, "a homography needs four point pairs")
        var m = [[Double]]()
        for ((x, y), (u, v)) in zip(from, to) {
            m.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
            m.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
        }
        for col in 0..<8 {
            let pivot = (col..<8).max { Swift.abs(m[$0][col]) < Swift.abs(m[$1][col]) }!
            m.swapAt(col, pivot)
            for row in 0..<8 where row != col {
                let f = m[row][col] / m[col][col]
                for k in col..<9 { m[row][k] -= f * m[col][k] }
            }
        }
        return (0..<8).map { m[$0][8] / m[$0][$0] }
    }
}
