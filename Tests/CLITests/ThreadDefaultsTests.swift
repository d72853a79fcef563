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
        let line = try engine(["--threads", "1"], environment: ["OMP_WAIT_POLICY": nil, "GOMP_SPINCOUNT": nil])
        XCTAssertTrue(line.contains("OpenMP wait policy libgomp's default"), line)
        XCTAssertTrue(line.contains(", 1 threads"), line)
        if line.contains("OpenBLAS") { XCTAssertTrue(line.contains("(OpenBLAS 1)"), line) }
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
