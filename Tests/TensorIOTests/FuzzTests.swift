import Foundation
import XCTest
@testable import TensorIO

/// Random damage to real files: every reader must either succeed or throw `TensorIOError` — never trap, hang or
/// throw anything else. Seeded, so a failure reproduces; set FUZZ_VERBOSE=1 to print each case before it runs
/// (the last line printed names the case that crashed) and FUZZ_SCALE=N to run N times as many cases.
final class FuzzTests: XCTestCase {
    /// SplitMix64: a tiny deterministic generator, so runs are reproducible on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private let verbose = ProcessInfo.processInfo.environment["FUZZ_VERBOSE"] != nil
    private let scale = max(1, Int(ProcessInfo.processInfo.environment["FUZZ_SCALE"] ?? "") ?? 1)

    /// One random kind of damage: bit flips, byte overwrites (including all-ones length fields), truncation,
    /// deletion or duplication of a run of bytes.
    static func mutate(_ input: Data, using rng: inout SeededGenerator) -> Data {
        var bytes = [UInt8](input)
        guard !bytes.isEmpty else { return Data([UInt8.random(in: 0...255, using: &rng)]) }
        let position = Int.random(in: 0..<bytes.count, using: &rng)
        switch Int.random(in: 0..<7, using: &rng) {
        case 0:
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            }
        case 1:
            bytes[position] = UInt8.random(in: 0...255, using: &rng)
        case 2:
            for i in position..<min(bytes.count, position + Int.random(in: 1...8, using: &rng)) {
                bytes[i] = Bool.random(using: &rng) ? 0xFF : 0x7F
            }
        case 3:
            bytes.removeSubrange(position...)
        case 4:
            bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...64, using: &rng)))
        case 5:
            let end = min(bytes.count, position + Int.random(in: 1...64, using: &rng))
            bytes.insert(contentsOf: bytes[position..<end], at: position)
        default:
            for i in position..<min(bytes.count, position + 4) { bytes[i] = 0 }
        }
        return Data(bytes)
    }

    /// Runs every reader on `data`; returns how many succeeded.
    @discardableResult
    private func readEverything(_ data: Data, label: String, file: StaticString = #filePath,
                                line: UInt = #line) -> Int {
        if verbose { print("fuzz case: \(label)") }
        var successes = 0
        func attempt(_ reader: String, _ body: () throws -> Void) {
            do {
                try body()
                successes += 1
            } catch is TensorIOError {
            } catch {
                XCTFail("\(label): \(reader) threw \(type(of: error)) instead of TensorIOError: \(error)", file: file, line: line)
            }
        }
        for verify in [true, false] {
            attempt("TorchCheckpoint") {
                let checkpoint = try TorchCheckpoint(data: data, path: label, verifyChecksums: verify)
                _ = try checkpoint.load()
                _ = try checkpoint.stateDict()
                for key in checkpoint.topLevelKeys { _ = try checkpoint.load(key: key) }
            }
        }
        attempt("SafeTensorsFile") {
            let file = try SafeTensorsFile(data: data, path: label)
            _ = try file.stateDict()
        }
        attempt("NPY") { _ = try NPY.decode(data, path: label) }
        return successes
    }

    func testMutatedFixturesNeverCrash() throws {
        var rng = SeededGenerator(state: 20_240_229)
        var cases = 0
        for name in Fixtures.all(withExtension: ".pt") + Fixtures.all(withExtension: ".npy")
            + Fixtures.all(withExtension: ".safetensors") {
            let original = try Fixtures.data(name)
            if !["npy_bigendian.npy", "npy_fortran.npy"].contains(name) {
                XCTAssertGreaterThan(readEverything(original, label: name), 0, "\(name) should read unmodified")
            }
            for i in 0..<(60 * scale) {
                readEverything(Self.mutate(original, using: &rng), label: "\(name) mutation \(i)")
                cases += 1
            }
        }
        XCTAssertGreaterThan(cases, 1000)
    }

    /// Damage confined to the pickle inside otherwise valid archives (checksums recomputed), so the interpreter
    /// itself — not the zip checksum — meets the damage.
    func testMutatedPicklesNeverCrash() throws {
        var rng = SeededGenerator(state: 7)
        for name in Fixtures.all(withExtension: ".pt") {
            let original = try Fixtures.data(name)
            guard ZipArchive.looksLikeZip(original) else { continue }
            let archive = try ZipArchive(data: original, path: name)
            let entries = try archive.entries.map { ($0.path, try archive.contents(of: $0)) }
            guard let pickle = entries.first(where: { $0.0.hasSuffix("/data.pkl") })?.1 else { continue }
            var successes = 0
            for i in 0..<(150 * scale) {
                var zip = TestZip()
                let damaged = Self.mutate(pickle, using: &rng)
                for (path, bytes) in entries { zip.add(path, path.hasSuffix("/data.pkl") ? damaged : bytes) }
                successes += readEverything(zip.build(), label: "\(name) pickle mutation \(i)") > 0 ? 1 : 0
            }
            // Some damage is harmless (a changed digit in a tensor's value or a string), so some cases still load.
            XCTAssertGreaterThan(successes, 0, name)
        }
    }

    /// The legacy format is one stream of pickles and raw storages; damage it anywhere.
    func testMutatedLegacyStreamNeverCrashes() throws {
        var rng = SeededGenerator(state: 99)
        let original = try Fixtures.data("views_legacy.pt")
        for i in 0..<(300 * scale) {
            readEverything(Self.mutate(original, using: &rng), label: "views_legacy.pt mutation \(i)")
        }
    }
}
