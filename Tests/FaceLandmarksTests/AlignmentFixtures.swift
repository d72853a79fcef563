import Foundation
import ImageIO

/// Paths and measures shared by the alignment tests.
enum AlignmentFixtures {
    static let folder = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    static let astronaut = folder.appendingPathComponent("astronaut.jpg")
    static let alignment = folder.appendingPathComponent("alignment")

    /// PSNR (dB, peak 255) and the largest absolute sample difference between two same-shaped images, over the
    /// samples whose pixel (x, y) passes `include`.
    static func compare(_ a: RasterImage, _ b: RasterImage, include: (Int, Int) -> Bool = { _, _ in true }) -> (psnr: Double, maxError: Int, differing: Int) {
        precondition(a.width == b.width && a.height == b.height && a.channels == b.channels)
        var sse = 0.0, count = 0, maxError = 0, differing = 0
        for y in 0..<a.height {
            for x in 0..<a.width where include(x, y) {
                for c in 0..<a.channels {
                    let d = Int(a[x, y, c]) - Int(b[x, y, c])
                    sse += Double(d * d)
                    maxError = Swift.max(maxError, abs(d))
                    if d != 0 { differing += 1 }
                    count += 1
                }
            }
        }
        let mse = sse / Double(Swift.max(count, 1))
        return (mse == 0 ? .infinity : 10 * log10(255 * 255 / mse), maxError, differing)
    }
}
