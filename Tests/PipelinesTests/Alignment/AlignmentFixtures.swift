import Foundation

/// The photo the alignment jobs are tested on: FaceLandmarksTests' fixture (one copy in the tree), read from the
/// checkout the tests run in.
enum AlignmentFixtures {
    static let astronaut = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("FaceLandmarksTests/Fixtures/astronaut.jpg")
}
