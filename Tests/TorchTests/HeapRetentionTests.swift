import Foundation
@testable import Torch
import XCTest

/// `HeapRetention`: glibc accepts the settings, and a user's own allocator settings are left alone. (What the
/// settings buy is measured by the demo's timing in docs/PERFORMANCE.md, not by a timed test.)
final class HeapRetentionTests: XCTestCase {
    func testSettingsAreAppliedUnlessTheUserGaveTheirOwn() {
        #if canImport(Glibc)
        XCTAssertTrue(HeapRetention.retainFreedMemory(environment: [:]))
        XCTAssertFalse(HeapRetention.retainFreedMemory(environment: ["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=0"]))
        let all = Dictionary(uniqueKeysWithValues: HeapRetention.settings.map { ($0.environment, "1") })
        XCTAssertFalse(HeapRetention.retainFreedMemory(environment: all))
        // One left to us is still set.
        var some = all
        some.removeValue(forKey: "MALLOC_TOP_PAD_")
        XCTAssertTrue(HeapRetention.retainFreedMemory(environment: some))
        // Tensors still allocate and free normally afterwards.
        for _ in 0..<3 { XCTAssertEqual(Tensor.ones([1024, 1024, 6]).sum().item(), 6 * 1024 * 1024) }
        #else
        XCTAssertFalse(HeapRetention.retainFreedMemory(environment: [:]))
        #endif
    }
}
