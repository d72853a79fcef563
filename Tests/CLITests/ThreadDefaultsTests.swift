import Foundation
import XCTest

/// The default thread count and OpenMP's wait policy, as `bench engine` reports them from inside the process.
final class ThreadDefaultsTests: XCTestCase {
    private func engine(_ extra: [String] = [], environment: [String: String?]) throws -> String {
        let run = try BuiltBinary.run(["bench", "engine", "--repeats", "1", "--quiet"] + extra, environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        guard let line = run.stdout.split(separator: "\n").first(where: { $0.hasPrefix("libtorch ") }) else {
            XCTFail("no engine line in: \(run.stdout)")
            return ""
        }
        return String(line)
    }

    func testWithoutAPolicyTheProgramRestartsWithPassiveWaitsAndEveryCore() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let line = try engine(environment: ["OMP_WAIT_POLICY": nil, "GOMP_SPINCOUNT": nil, "OMP_NUM_THREADS": nil])
        if cores > 1 {
            XCTAssertTrue(line.contains("OpenMP wait policy passive"), line)
        }
        XCTAssertTrue(line.contains(", \(cores) threads"), line)
        if line.contains("OpenBLAS") { XCTAssertTrue(line.contains("(OpenBLAS \(cores))"), line) }
    }

    func testOneThreadAskedForNeedsNoRestart() throws {
        for asked in [["--threads", "1"], ["--threads=1"]] {
            let line = try engine(asked, environment: ["OMP_WAIT_POLICY": nil, "GOMP_SPINCOUNT": nil])
            XCTAssertTrue(line.contains("OpenMP wait policy libgomp's default"), line)
            XCTAssertTrue(line.contains(", 1 threads"), line)
            if line.contains("OpenBLAS") { XCTAssertTrue(line.contains("(OpenBLAS 1)"), line) }
        }
        // Two threads asked for: the restart happens (the policy is visible from inside).
        let two = try engine(["--threads", "2"], environment: ["OMP_WAIT_POLICY": nil, "GOMP_SPINCOUNT": nil])
        if ProcessInfo.processInfo.activeProcessorCount > 1 { XCTAssertTrue(two.contains("OpenMP wait policy passive"), two) }
        XCTAssertTrue(two.contains(", 2 threads"), two)
    }

    func testTheUsersPolicyAndThreadCountAreKept() throws {
        let spinning = try engine(environment: ["OMP_WAIT_POLICY": "active", "OMP_NUM_THREADS": "1"])
        XCTAssertTrue(spinning.contains("OpenMP wait policy active"), spinning)
        XCTAssertTrue(spinning.contains(", 1 threads"), spinning)
        // Distributed ranks get OMP_NUM_THREADS from the launcher: it decides the default, passive or not.
        let rank = try engine(environment: ["OMP_WAIT_POLICY": nil, "GOMP_SPINCOUNT": nil, "OMP_NUM_THREADS": "1"])
        XCTAssertTrue(rank.contains(", 1 threads"), rank)
    }
}
