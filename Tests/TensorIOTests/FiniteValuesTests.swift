import Foundation
@testable import TensorIO
import XCTest

/// Every reader (safetensors, `.pt` zip and legacy, `.npy`) refuses a tensor holding NaN, ±infinity or a value
/// beyond the limit, naming the file and the tensor; integer tensors and ordinary values pass.
final class FiniteValuesTests: XCTestCase {
    let badValues: [(String, Float)] = [("NaN", .nan), ("+infinity", .infinity), ("-infinity", -.infinity),
                                        ("1e+30", 1e30)]

    func values(with bad: Float) -> [Float] { [0.5, -2, bad, 3] }

    func testSafeTensorsRefuseNonFiniteValuesNamingTheTensor() throws {
        for (text, bad) in badValues {
            var dict = StateDict()
            dict["ok"] = HostTensor(float32: [1, 2], shape: [2])
            dict["layer.weight"] = HostTensor(float32: values(with: bad), shape: [2, 2])
            let file = try SafeTensorsFile(data: try SafeTensors.encode(dict), path: "m.safetensors")
            XCTAssertNoThrow(try file.tensor(named: "ok"))
            assertTensorIOError("m.safetensors: tensor 'layer.weight' holds \(text == "1e+30" ? "1.0000000150474662e+30" : text) at element 2") {
                try file.tensor(named: "layer.weight")
            }
        }
    }

    func testTorchCheckpointsRefuseNonFiniteValuesNamingTheTensor() throws {
        for (_, bad) in badValues {
            var p = PickleWriter()
            p.op("}")
            p.mark()
            p.string("w")
            p.tensor(storageKey: "0", numel: 4, offset: 0, size: [4], stride: [1])
            p.op("u")
            p.stop()
            let checkpoint = try TorchCheckpoint(data: makeCheckpoint(pickle: p.data, storages: [("0", floatBytes(values(with: bad)))]),
                                                 path: "g.pt")
            assertTensorIOError("g.pt: tensor 'w' holds") { try checkpoint.stateDict() }
        }
    }

    func testNPYRefusesNonFiniteValuesInEveryFloatType() throws {
        for (_, bad) in badValues {
            let f32 = HostTensor(float32: values(with: bad), shape: [4])
            assertTensorIOError("w.npy: the array holds") { try NPY.decode(try NPY.encode(f32), path: "w.npy") }
            let f64 = HostTensor(scalarType: .float64, shape: [4],
                                 bytes: values(with: bad).map(Double.init).withUnsafeBufferPointer { Data(buffer: $0) })
            assertTensorIOError("element 2") { try NPY.decode(try NPY.encode(f64), path: "w.npy") }
        }
        // float16 NaN (0x7E00) and bfloat16 infinity (0x7F80), little-endian.
        let f16 = HostTensor(scalarType: .float16, shape: [2], bytes: Data([0x00, 0x3C, 0x00, 0x7E]))
        assertTensorIOError("NaN at element 1") { try NPY.decode(try NPY.encode(f16), path: "h.npy") }
        let bf16 = HostTensor(scalarType: .bfloat16, shape: [2], bytes: Data([0x80, 0x7F, 0x80, 0x3F]))
        XCTAssertEqual(FiniteValues.firstProblem(in: bf16), "+infinity at element 0")
    }

    func testOrdinaryAndIntegerTensorsPassAndLimitsApply() {
        XCTAssertNil(FiniteValues.firstProblem(in: HostTensor(float32: [0, -1e18, 3.5, .leastNonzeroMagnitude], shape: [4])))
        let ints = HostTensor(scalarType: .int64, shape: [2], bytes: Data(repeating: 0xFF, count: 16))
        XCTAssertNil(FiniteValues.firstProblem(in: ints))
        let latent = HostTensor(float32: [1, 2e6], shape: [2])
        XCTAssertNil(FiniteValues.firstProblem(in: latent))
        XCTAssertEqual(FiniteValues.firstProblem(in: latent, limit: FiniteValues.latentLimit),
                       "2000000.0 at element 1, beyond ±1000000.0")
    }
}
