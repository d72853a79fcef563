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
}
