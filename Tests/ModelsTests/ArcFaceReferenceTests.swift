import Foundation
import XCTest
@testable import Models
import NN
import TensorIO
import Torch

/// ArcFace IR-SE and the ID loss against TreB1eN's Backbone and pSp/e4e's criteria/id_loss.py run by PyTorch
/// (Fixtures/README.md).
final class ArcFaceReferenceTests: XCTestCase {
    /// Nearest-neighbour upsampling by an integer factor (how the fixtures' inputs were made from small seeds).
    func nearestUp(_ x: Tensor, _ f: Int) -> Tensor {
        let s = x.shape
        return x.reshape([s[0], s[1], s[2], 1, s[3], 1]).expand([s[0], s[1], s[2], f, s[3], f])
            .reshape([s[0], s[1], s[2] * f, s[3] * f])
    }

    func testOfficialKeyLayoutMatchesModelIRSE50() throws {
        let net = ArcFace(.irSE50)
        let ours = net.stateDict().map { "\($0.name) \($0.tensor.shape.map(String.init).joined(separator: ","))" }
        let reference = try String(contentsOf: fixture("keys_arcface_irse50.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        assertSameLines(ours, reference)
    }

    func testLoadsAndMatchesReference() throws {
        let net = try ArcFace.load(fixture("arcface_tiny.pt"))
        XCTAssertEqual(net.config.backbone.units, [1, 2, 2, 1])
        XCTAssertEqual(net.config.backbone.widths, [4, 8, 12, 16])
        XCTAssertEqual(net.config.inputSize, 112)
        XCTAssertEqual(net.config.embeddingDim, 16)
        XCTAssertTrue(net.config.affine)
        XCTAssertFalse(net.isTraining)
        XCTAssertEqual(net.trainableParameterCount, 0)
        let x = nearestUp(try loadNPY("arcface_x28.npy"), 4)
        let e = withInferenceMode { net(x) }
        XCTAssertLessThan(maxAbsDiff(e, try loadNPY("arcface_emb.npy")), 1e-5)
        XCTAssertEqual(e.norm(dims: [1]).floats().map { ($0 * 1e4).rounded() }, [1e4, 1e4])
    }

    func testIDLossMatchesReference() throws {
        let idLoss = try IDLoss.load(fixture("arcface_tiny.pt"))
        let (yHat, y, x) = (nearestUp(try loadNPY("id_yhat32.npy"), 8), nearestUp(try loadNPY("id_y32.npy"), 8),
                            nearestUp(try loadNPY("id_x32.npy"), 8))
        let expected = try loadNPY("id_loss.npy").floats()
        let result = withNoGrad { idLoss(yHat, y, x) }
        XCTAssertEqual(Float(result.loss.item()), expected[0], accuracy: 1e-6)
        XCTAssertEqual(Float(result.similarityImprovement), expected[1], accuracy: 1e-6)
        XCTAssertLessThan(maxAbsDiff(withNoGrad { idLoss.extractFeatures(yHat) }, try loadNPY("id_feats_yhat.npy")), 1e-5)
        // Same image: similarity 1, loss 0.
        XCTAssertEqual(Float(withNoGrad { idLoss.similarity(y, y) }.min().item()), 1, accuracy: 1e-5)
    }

    func testIDLossGradientReachesTheOutputOnly() throws {
        let idLoss = try IDLoss.load(fixture("arcface_tiny.pt"))
        let yHat = Tensor.rand([1, 3, 64, 64]).requiresGrad(true)
        let y = Tensor.rand([1, 3, 64, 64])
        idLoss.train()  // stays in evaluation mode
        XCTAssertFalse(idLoss.facenet.isTraining)
        idLoss(yHat, y).loss.backward()
        XCTAssertNotNil(yHat.grad)
        XCTAssertTrue(idLoss.facenet.parameters().allSatisfy { $0.grad == nil })
    }

    func testFaceCropScalesWithTheImage() {
        XCTAssertTrue(IDLoss.faceCrop(height: 256, width: 256) == (35, 223, 32, 220))
        XCTAssertTrue(IDLoss.faceCrop(height: 1024, width: 1024) == (140, 892, 128, 880))
        XCTAssertTrue(IDLoss.faceCrop(height: 64, width: 64) == (9, 56, 8, 55))
    }
}
