import Foundation
import ImageIO
@testable import SyntheticFaces
import XCTest

/// The synthetic portrait renderer: determinism, attribute locality against the region masks, yaw, details.
final class SyntheticFaceTests: XCTestCase {
    let renderer = FaceRenderer()
    let sampler = FaceSampler(seed: 11)

    /// Faces from the sampler: 5, or GRADSTYLE_SYNTH_FACES for a longer sweep.
    func faces() -> [FaceSample] {
        let count = ProcessInfo.processInfo.environment["GRADSTYLE_SYNTH_FACES"].flatMap { Int($0) } ?? 5
        return (0..<max(count, 1)).map { sampler.sample($0) }
    }

    /// Pixels (x + y·size) whose RGB differs between two images.
    func changedPixels(_ a: RasterImage, _ b: RasterImage) -> [Int] {
        XCTAssertEqual(a.width, b.width)
        var out: [Int] = []
        for p in 0..<(a.width * a.height) where a.pixels[3 * p] != b.pixels[3 * p] || a.pixels[3 * p + 1] != b.pixels[3 * p + 1]
            || a.pixels[3 * p + 2] != b.pixels[3 * p + 2] {
            out.append(p)
        }
        return out
    }

    /// Renders the two extremes of one attribute and checks that they differ, only inside `region`, and that the
    /// region's mask does not depend on the attribute.
    func assertLocal(_ attribute: FaceAttribute, _ low: Double, _ high: Double, region: FaceRegion,
                     size: Int = 64, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(attribute.region, region, file: file, line: line)
        for (i, face) in faces().enumerated() {
            let a = renderer.renderWithMasks(face.modified(attribute.keyPath, to: low), size: size)
            let b = renderer.renderWithMasks(face.modified(attribute.keyPath, to: high), size: size)
            let changed = changedPixels(a.image, b.image)
            XCTAssertGreaterThan(changed.count, 3, "face \(i): \(attribute) \(low) → \(high) changes almost nothing",
                                 file: file, line: line)
            let maskA = a.mask(region), maskB = b.mask(region)
            XCTAssertEqual(maskA, maskB, "face \(i): the \(region) mask depends on \(attribute)", file: file, line: line)
            let outside = changed.filter { !maskA[$0] }
            XCTAssertEqual(outside.count, 0, "face \(i): \(attribute) changes \(outside.count) pixels outside the \(region) region, e.g. \(outside.prefix(5).map { ($0 % size, $0 / size) })",
                           file: file, line: line)
            // The region is a small part of the picture for local face attributes.
            if region == .mouth || region == .eyes {
                XCTAssertLessThan(maskA.filter { $0 }.count, size * size / 6, file: file, line: line)
            }
        }
    }

    // MARK: - Determinism

    func testSameSeedGivesIdenticalBytes() {
        let a = FaceSampler(seed: 5).sample(42), b = FaceSampler(seed: 5).sample(42)
        XCTAssertEqual(a, b)
        XCTAssertEqual(renderer.render(a, size: 64).pixels, renderer.render(b, size: 64).pixels)
        XCTAssertNotEqual(FaceSampler(seed: 6).sample(42), a)
        XCTAssertNotEqual(FaceSampler(seed: 5).sample(43), a)
    }

    func testSampleDependsOnlyOnSeedAndIndex() {
        // Drawing other faces first, or in another order, does not change face 7.
        let s = FaceSampler(seed: 3)
        let direct = s.sample(7)
        _ = (0..<7).map { s.sample($0) }
        XCTAssertEqual(s.sample(7), direct)
        XCTAssertEqual(FaceSampler(seed: 3).attributes(7), direct.attributes)
        XCTAssertEqual(FaceSampler(seed: 3).details(7), direct.details)
    }

    func testRenderingIsIndependentOfThreads() {
        let faces = (0..<4).map { sampler.sample($0) }
        let serial = faces.map { renderer.render($0, size: 48).pixels }
        var parallel = [[UInt8]](repeating: [], count: faces.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: faces.count) { i in
            let pixels = renderer.render(faces[i], size: 48).pixels
            lock.lock()
            parallel[i] = pixels
            lock.unlock()
        }
        XCTAssertEqual(serial, parallel)
    }

    func testSplitMix64MatchesReferenceValues() {
        // SplitMix64 from state 0: the published first outputs of the reference generator.
        var rng = SplitMix64(seed: 0)
        XCTAssertEqual(rng.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(rng.next(), 0x6E78_9E6A_A1B9_65F4)
        var u = SplitMix64(seed: 1, stream: 2)
        for _ in 0..<1000 {
            let x = u.unit()
            XCTAssert(x >= 0 && x < 1)
        }
    }

    // MARK: - Sizes and attributes

    func testRendersAtManySizes() {
        let face = sampler.sample(1)
        for size in [32, 48, 64, 100, 128] {
            let image = renderer.render(face, size: size)
            XCTAssertEqual(image.width, size)
            XCTAssertEqual(image.height, size)
            XCTAssertEqual(image.channels, 3)
            // Not a flat image.
            XCTAssertGreaterThan(Set(image.pixels).count, 50)
        }
    }

    func testModifiedChangesOneAttribute() {
        let a = sampler.sample(2).attributes
        let b = a.modified(\.smile, to: 0.8)
        XCTAssertEqual(b.smile, 0.8)
        var c = b
        c.smile = a.smile
        XCTAssertEqual(c, a)
        XCTAssertEqual(a.modified(.hairHue, to: 0.25)[.hairHue], 0.25)
    }

    func testSampledAttributesStayInRange() {
        var glasses = 0
        for i in 0..<300 {
            let a = sampler.attributes(i)
            for attribute in FaceAttribute.allCases {
                XCTAssert(attribute.range.contains(a[attribute]), "\(attribute) = \(a[attribute])")
            }
            XCTAssert(a.eyeglasses == 0 || a.eyeglasses == 1)
            if a.eyeglasses == 1 { glasses += 1 }
        }
        XCTAssert((60...120).contains(glasses), "\(glasses) of 300 faces wear glasses")
    }

    // MARK: - Attribute locality (issue 7's counterfactuals)

    func testSmileChangesOnlyTheMouthRegion() {
        assertLocal(.smile, -1, 1, region: .mouth)
    }

    func testEyeglassesChangeOnlyTheEyeRegion() {
        assertLocal(.eyeglasses, 0, 1, region: .eyes)
    }

    func testHairHueChangesOnlyTheHair() {
        assertLocal(.hairHue, 0.0, 0.5, region: .hair)
    }

    func testBackgroundHueChangesOnlyTheBackground() {
        assertLocal(.backgroundHue, 0.1, 0.6, region: .background)
    }

    func testLocalityHoldsAt128() {
        let face = sampler.sample(9)
        for (attribute, region) in [(FaceAttribute.smile, FaceRegion.mouth), (.eyeglasses, .eyes), (.hairHue, .hair)] {
            let a = renderer.renderWithMasks(face.modified(attribute.keyPath, to: 0), size: 128)
            let b = renderer.renderWithMasks(face.modified(attribute.keyPath, to: 1), size: 128)
            let mask = a.mask(region)
            XCTAssertEqual(changedPixels(a.image, b.image).filter { !mask[$0] }.count, 0, "\(attribute)")
        }
    }

    func testEveryPixelBelongsToSomeRegion() {
        let r = renderer.renderWithMasks(sampler.sample(4), size: 64)
        for p in 0..<(64 * 64) {
            XCTAssert(FaceRegion.allCases.contains { r.coverage[$0]![p] > 0 }, "pixel \(p) has no region")
        }
        // A portrait: background at the corners, face in the middle, clothing at the bottom centre.
        XCTAssertEqual(r.coverage[.background]![0], 1)
        XCTAssertGreaterThan(r.coverage[.face]![32 * 64 + 32], 0)
        XCTAssertGreaterThan(r.coverage[.clothing]![63 * 64 + 32], 0)
        let gray = r.maskImage(.face)
        XCTAssertEqual(gray.channels, 1)
        XCTAssertEqual(gray.width, 64)
    }

    /// Coverage-weighted mean x of a region.
    func centroidX(_ r: FaceRendering, _ region: FaceRegion) -> Double {
        let c = r.coverage[region]!
        var sum = 0.0, weight = 0.0
        for (p, w) in c.enumerated() where w > 0 {
            sum += Double(w) * Double(p % r.size)
            weight += Double(w)
        }
        return sum / max(weight, 1e-9)
    }

    func testYawTurnsTheHeadTheRightWay() {
        for (i, face) in faces().enumerated() {
            let left = renderer.renderWithMasks(face.modified(\.yaw, to: -1), size: 64)
            let front = renderer.renderWithMasks(face.modified(\.yaw, to: 0), size: 64)
            let right = renderer.renderWithMasks(face.modified(\.yaw, to: 1), size: 64)
            for region in [FaceRegion.face, .eyes, .mouth] {
                let l = centroidX(left, region), f = centroidX(front, region), r = centroidX(right, region)
                XCTAssertLessThan(l, f - 0.5, "face \(i) \(region): yaw −1 centroid \(l) vs frontal \(f)")
                XCTAssertGreaterThan(r, f + 0.5, "face \(i) \(region): yaw +1 centroid \(r) vs frontal \(f)")
            }
            // A layout change, not a shift of a few pixels: a large part of the head changes.
            XCTAssertGreaterThan(changedPixels(left.image, right.image).count, 400)
        }
    }

    func testAgeGreysHair() {
        func chroma(_ r: FaceRendering) -> Double {
            let mask = r.coverage[.hair]!
            var sum = 0.0, n = 0.0
            for (p, w) in mask.enumerated() where w == 1 {
                let px = r.image.pixels[3 * p ..< 3 * p + 3].map(Double.init)
                sum += px.max()! - px.min()!
                n += 1
            }
            return sum / max(n, 1)
        }
        var face = sampler.sample(0)
        face.details.hair.saturation = 0.8
        face.details.hair.lightness = 0.6
        let young = renderer.renderWithMasks(face.modified(\.age, to: 0), size: 64)
        let old = renderer.renderWithMasks(face.modified(\.age, to: 1), size: 64)
        XCTAssertLessThan(chroma(old), chroma(young) * 0.6)
    }

    // MARK: - Details

    /// Sum of the squared 4-neighbour Laplacian of luminance over pixels fully inside `region`.
    func highFrequencyEnergy(_ r: FaceRendering, _ region: FaceRegion) -> Double {
        let n = r.size, c = r.coverage[region]!
        func lum(_ x: Int, _ y: Int) -> Double {
            let p = 3 * (y * n + x)
            return 0.299 * Double(r.image.pixels[p]) + 0.587 * Double(r.image.pixels[p + 1]) + 0.114 * Double(r.image.pixels[p + 2])
        }
        var energy = 0.0
        for y in 1..<n - 1 {
            for x in 1..<n - 1 where c[y * n + x] == 1 {
                let l = 4 * lum(x, y) - lum(x - 1, y) - lum(x + 1, y) - lum(x, y - 1) - lum(x, y + 1)
                energy += l * l
            }
        }
        return energy
    }

    func testFrecklesAddHighFrequencyEnergy() {
        var face = sampler.sample(3)
        face.details.freckles = (0..<30).map { i in
            SkinSpot(a: -0.09 + 0.006 * Double(i), b: 0.02 + 0.06 * Double(i % 5) / 5, radius: 0.006, strength: 0.7)
        }
        var plain = face
        plain.details.freckles = []
        let with = renderer.renderWithMasks(face, size: 64), without = renderer.renderWithMasks(plain, size: 64)
        XCTAssertGreaterThan(highFrequencyEnergy(with, .face), highFrequencyEnergy(without, .face) * 1.2)
    }

    func testSampledDetailsVary() {
        var kinds = Set<String>(), patterns = Set<String>(), backgrounds = Set<String>()
        var freckled = 0, moles = 0, earrings = 0, strands = 0
        for i in 0..<200 {
            let d = sampler.details(i)
            kinds.insert(d.hair.kind.rawValue)
            patterns.insert(d.clothing.pattern.rawValue)
            backgrounds.insert(d.background.pattern.rawValue)
            if !d.freckles.isEmpty { freckled += 1 }
            moles += d.moles.count
            if d.earrings != nil { earrings += 1 }
            strands += d.hair.scalpStrands.count + d.hair.volumeStrands.count
        }
        XCTAssertEqual(kinds.count, HairStyle.Kind.allCases.count)
        XCTAssertEqual(patterns.count, ClothingStyle.Pattern.allCases.count)
        XCTAssertEqual(backgrounds.count, BackgroundStyle.Pattern.allCases.count)
        XCTAssertGreaterThan(freckled, 50)
        XCTAssertGreaterThan(moles, 100)
        XCTAssertGreaterThan(earrings, 20)
        XCTAssertGreaterThan(strands, 200 * 10)
    }

    /// Where a detail shows: the coverage-free centroid of the pixels it changes.
    func detailCentroidX(_ with: FaceSample, _ without: FaceSample, yaw: Double) -> Double? {
        let a = renderer.render(with.modified(\.yaw, to: yaw), size: 64)
        let b = renderer.render(without.modified(\.yaw, to: yaw), size: 64)
        let changed = changedPixels(a, b)
        guard !changed.isEmpty else { return nil }
        return Double(changed.map { $0 % 64 }.reduce(0, +)) / Double(changed.count)
    }

    func testSkinDetailsFollowTheHead() {
        var face = sampler.sample(6)
        face.details.freckles = []
        face.details.marks = []
        face.details.moles = [SkinSpot(a: 0.03, b: 0.06, radius: 0.009, strength: 1)]
        var plain = face
        plain.details.moles = []
        guard let left = detailCentroidX(face, plain, yaw: -0.8), let front = detailCentroidX(face, plain, yaw: 0),
              let right = detailCentroidX(face, plain, yaw: 0.8) else {
            return XCTFail("the mole is not visible")
        }
        XCTAssertLessThan(left, front - 1)
        XCTAssertGreaterThan(right, front + 1)
    }

    func testEarringsFollowTheEars() {
        var face = sampler.sample(8)
        face.details.hair.kind = .short
        // The image-left earring: it comes round towards the front when the head turns right.
        face.details.earrings = Earrings(style: .drop, sides: .left, color: FaceColor(0.95, 0.8, 0.3), size: 1.2)
        var plain = face
        plain.details.earrings = nil
        guard let front = detailCentroidX(face, plain, yaw: 0), let right = detailCentroidX(face, plain, yaw: 0.9) else {
            return XCTFail("the earrings are not visible")
        }
        XCTAssertGreaterThan(right, front + 0.5)
    }
}
