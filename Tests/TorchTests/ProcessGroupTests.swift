import Foundation
import XCTest
@testable import Torch

/// c10d through the shim: two ranks as two threads of this process, Gloo over loopback. Each check compares with
/// a direct formula (the sum of what the ranks hold), not with an earlier run.
final class ProcessGroupTests: XCTestCase {
    /// Runs `body(rank, group)` on two threads that form one group; returns each rank's error, if any.
    private func withTwoRanks(timeout: TimeInterval = 20,
                              _ body: @escaping @Sendable (Int, ProcessGroup) throws -> Void) throws -> [String?] {
        try XCTSkipUnless(CollectiveBackend.gloo.isAvailable, "this build has no Gloo backend")
        let port = try freePort()
        let results = Results()
        let done = DispatchGroup()
        for rank in 0..<2 {
            done.enter()
            Thread {
                do {
                    let store = try DistributedStore(host: "127.0.0.1", port: port, worldSize: 2, isServer: rank == 0,
                                                     timeout: timeout)
                    let group = try ProcessGroup(store: store, backend: .gloo, rank: rank, size: 2, timeout: timeout)
                    try body(rank, group)
                } catch {
                    results.set(rank, "\(error)")
                }
                done.leave()
            }.start()
        }
        XCTAssertEqual(done.wait(timeout: .now() + timeout + 20), .success, "the ranks did not finish")
        return results.all
    }

    func testAllReduceSumsAcrossRanksInBucketsAndScales() throws {
        let gathered = Results()
        let errors = try withTwoRanks { rank, group in
            let r = Double(rank + 1)
            // Three dtypes/layouts: two float32 tensors (one a transposed view), a float64 one; 16-byte buckets
            // force several buckets and a tensor larger than a bucket.
            let a = Tensor([Float](repeating: 1, count: 6), shape: [2, 3]) * r
            let base = Tensor((0..<6).map { Float($0) }, shape: [3, 2]) * r
            let b = base.transpose(0, 1)
            let c = Tensor([0.5, -2.0], shape: [2]) * r
            try group.allReduceSum([a, b, c], scale: 0.5, bucketBytes: 16)
            gathered.set(rank, "\(a.floats()) \(b.contiguous().floats()) \(c.doubles()) \(base.floats())")
        }
        XCTAssertEqual(errors, [nil, nil])
        // (1 + 2) × 0.5 = 1.5 times the base values, on both ranks; the transposed view writes through to `base`.
        let expected = "\([Float](repeating: 1.5, count: 6)) \([0, 2, 4, 1, 3, 5].map { Float($0) * 1.5 }) " +
            "\([0.75, -3.0]) \((0..<6).map { Float($0) * 1.5 })"
        XCTAssertEqual(gathered.all, [expected, expected])
    }

    func testBroadcastGivesEveryRankRootsValuesEvenForLeavesThatRequireGrad() throws {
        let gathered = Results()
        let errors = try withTwoRanks { rank, group in
            let w = Tensor([Float(rank * 10 + 1), Float(rank * 10 + 2)]).requiresGrad(true)
            try group.broadcast([w], from: 0)
            gathered.set(rank, "\(w.floats()) \(w.requiresGrad)")
        }
        XCTAssertEqual(errors, [nil, nil])
        XCTAssertEqual(gathered.all, ["[1.0, 2.0] true", "[1.0, 2.0] true"])
    }

    func testDifferentiableSumOverRanksBackpropagatesEveryRanksLoss() throws {
        let gathered = Results()
        let errors = try withTwoRanks { rank, group in
            let r = Float(rank + 1)
            let x = Tensor([r, 2 * r]).requiresGrad(true)
            let y = group.summedOverRanks(x * x)
            let c = Tensor([r, 3])
            (y * c).sum().backward()
            gathered.set(rank, "\(y.floats()) \(x.grad?.floats() ?? [])")
        }
        XCTAssertEqual(errors, [nil, nil])
        // y = Σ_s x_s² = [1 + 4, 4 + 16]; the gradient of Σ_s (y·c_s).sum() for x_r is 2·x_r·Σ_s c_s, Σ c = [3, 6].
        XCTAssertEqual(gathered.all, ["[5.0, 20.0] [6.0, 24.0]", "[5.0, 20.0] [12.0, 48.0]"])
    }

    func testRanksPassingDifferentTensorsFailWithAMessageOnBoth() throws {
        let errors = try withTwoRanks { rank, group in
            let tensors = (0...rank).map { _ in Tensor.zeros([3]) }
            try group.allReduceSum(tensors)
        }
        for e in errors { XCTAssertTrue(e?.contains("ranks disagree") == true, "\(e ?? "no error")") }
    }

    func testAPeerThatNeverJoinsTheCollectiveMakesTheOtherFailWithinTheTimeout() throws {
        let start = Date()
        let errors = try withTwoRanks(timeout: 2) { rank, group in
            if rank == 0 { try group.allReduceSum([Tensor.zeros([4])]) }
        }
        XCTAssertNil(errors[1])
        XCTAssertNotNil(errors[0], "rank 0 waited for a peer that never came and did not fail")
        XCTAssertLessThan(Date().timeIntervalSince(start), 15)
    }

    func testJoiningAStoreNobodyHostsFailsWithTheAddress() throws {
        let port = try freePort()
        XCTAssertThrowsError(try DistributedStore(host: "127.0.0.1", port: port, worldSize: 2, isServer: false,
                                                  timeout: 1)) { error in
            XCTAssertTrue("\(error)".contains("127.0.0.1:\(port)"), "\(error)")
        }
    }

    func testStoreExchangesValuesBetweenRanks() throws {
        let seen = Results()
        let errors = try withTwoRanks { rank, group in
            try group.store.set("hello/\(rank)", Array("from \(rank)".utf8))
            let other = try group.store.get("hello/\(1 - rank)")
            seen.set(rank, String(decoding: other, as: UTF8.self))
            _ = try group.store.add("counter", 1)
        }
        XCTAssertEqual(errors, [nil, nil])
        XCTAssertEqual(seen.all, ["from 1", "from 0"])
    }

    private func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// One slot per rank, written from the rank threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String?] = [nil, nil]
    func set(_ rank: Int, _ value: String) { lock.lock(); values[rank] = value; lock.unlock() }
    var all: [String?] { lock.lock(); defer { lock.unlock() }; return values }
}
