import Foundation
@testable import Pipelines
import Models
import TensorIO
import Torch
import XCTest

/// `gradstyle inspect` names the generator layout it detected.
final class InspectorLayoutTests: XCTestCase {
    func testGeneratorLayoutIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = GeneratorConfig(size: 16, styleDim: 8, mappingLayers: 2, channels: [4: 8, 8: 8, 16: 4])
        var rosinality: [String: Tensor] = [:]
        for (name, t) in Generator(config).stateDict() { rosinality[name] = t }
        let nvidia = NVIDIANaming.fromRosinality(rosinality, config: config, wAverage: Tensor.zeros([8]))

        for (layout, tensors) in [("rosinality", rosinality), ("NVIDIA stylegan2-ada", nvidia)] {
            var dict = StateDict()
            for (name, t) in tensors { dict[name] = t.contiguous().hostTensor() }
            let url = dir.appendingPathComponent("g.safetensors")
            try SafeTensors.write(dict, to: url)
            let lines = try Inspector.inspect(url).architecture
            XCTAssertEqual(lines.count, 1, "\(lines)")
            XCTAssertTrue(lines.first?.hasPrefix("StyleGAN2 generator (\(layout) layout): 16²") == true, "\(lines)")
        }
    }
}
