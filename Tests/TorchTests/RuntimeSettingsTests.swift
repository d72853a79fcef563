import Foundation
import Torch
import XCTest

/// Process-wide libtorch settings reach libtorch and read back.
final class RuntimeSettingsTests: XCTestCase {
    func testTF32SettingRoundTrips() {
        let before = Torch.allowTF32
        defer { Torch.allowTF32 = before }
        Torch.allowTF32 = true
        XCTAssertTrue(Torch.allowTF32)
        Torch.allowTF32 = false
        XCTAssertFalse(Torch.allowTF32, "TF32 must be off for both cuDNN convolutions and cuBLAS matrix products")
    }

    /// The thread count reaches OpenBLAS's own pool as well (Debian's libtorch links OpenBLAS, whose spinning pool
    /// otherwise takes every core whatever libtorch is told); read back through OpenBLAS itself.
    func testThreadCountReachesOpenBLAS() throws {
        let before = Torch.numThreads
        defer { Torch.numThreads = before }
        // OpenBLAS caps its pool at the cores it found when it started.
        let n = min(2, ProcessInfo.processInfo.activeProcessorCount)
        Torch.numThreads = n
        guard let blas = Torch.blasThreads else { throw XCTSkip("libtorch links a BLAS other than OpenBLAS here") }
        XCTAssertEqual(blas, n)
        XCTAssertEqual(Torch.numThreads, n)
        Torch.numThreads = 1
        XCTAssertEqual(Torch.blasThreads, 1)
        XCTAssertEqual(Torch.numThreads, 1)
    }
}
