import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ImageIO
import Models
import Pipelines
import Serving
import TensorIO
import Torch
import XCTest

/// Every endpoint of `gradstyle serve` over real HTTP: valid requests, oversize and non-image bodies, bad
/// requests, and concurrent edits (latest wins, the page stays responsive).
final class EditorEndpointTests: XCTestCase {
    typealias F = ServingFixture

    private func call(_ method: String, _ path: String, body: Data? = nil, type: String? = nil) throws -> F.Response {
        let base = try F.server().base
        return try F.blocking { try await F.request(base, method, path, body: body, contentType: type) }
    }

    private func png(_ response: F.Response, file: StaticString = #filePath, line: UInt = #line) throws -> RasterImage {
        XCTAssertEqual(response.status, 200, response.error, file: file, line: line)
        XCTAssertEqual(response.headers["content-type"], "image/png", file: file, line: line)
        return try ImageCodec.decode(response.body).image
    }

    func testPageIsSelfContained() throws {
        let r = try call("GET", "/")
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        let page = String(decoding: r.body, as: UTF8.self)
        XCTAssertTrue(page.contains("<title>gradstyle serve</title>"))
        // Nothing is fetched from outside the server: no absolute URLs at all.
        XCTAssertFalse(page.contains("http://") || page.contains("https://") || page.contains("src=\"//"), "the page refers outside the server")
    }

    func testInfoListsMethodsAndDirectionsWithTheirSigma() throws {
        let info = try call("GET", "/api/info").json
        // The bundled model carries HFGI's networks beside its GradStyle networks: all four methods are offered.
        XCTAssertEqual(info["methods"] as? [String], ["e4e", "single-stage", "hfgi", "gradstyle"])
        XCTAssertEqual(info["defaultMethod"] as? String, "gradstyle")
        XCTAssertEqual(info["resolution"] as? Int, F.generator.size)
        XCTAssertEqual(info["maxUploadBytes"] as? Int, F.maxUploadBytes)
        // One slider per direction file, with σ as `directions fit` recorded it.
        let files = try FileManager.default.contentsOfDirectory(atPath: F.directions.path).filter { $0.hasSuffix(".npy") }
        let directions = try XCTUnwrap(info["directions"] as? [[String: Any]])
        XCTAssertEqual(directions.map { $0["name"] as! String }, files.map { String($0.dropLast(4)) }.sorted())
        for d in directions {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: F.directions.appendingPathComponent("\(d["name"]!).json"))) as! [String: Any]
            XCTAssertEqual(d["sigma"] as! Double, json["projection_std"] as! Double)
        }
        let images = try XCTUnwrap(info["images"] as? [[String: Any]])
        XCTAssertEqual(images.prefix(3).map { $0["id"] as! String }, ["face00000", "face00001", "face00002"])
    }

    func testHeldOutFaceIsTheDemosHeldOutFace() throws {
        let image = try png(try call("GET", "/api/images/face00001.png"))
        // The demo renders its held-out faces with seed 20261125 at the generator's size.
        let set = try HeldOutSet.synthetic(count: 2, seed: 20_261_125, inputSize: 128, resolution: F.generator.size)
        XCTAssertEqual(image, try ImageTensors.rasterImages(set.targets[1..<2])[0])
    }

    func testEditMatchesInterFaceGANFormulaInSigmas() throws {
        // Independent of the server: w' = w + s·σ·n with n from smile.npy and σ = projection_std from smile.json,
        // through the bundle's GradStyle Editing Stream on the e4e/Reconstruction Stream inversion.
        // The same for HFGI (its distortion map re-aligned by ADA to the edited image), which the bundle carries.
        let methods = try EvaluatedMethods(bundles: [F.model])
        let set = try HeldOutSet.synthetic(count: 1, seed: 20_261_125, inputSize: 128, resolution: F.generator.size)
        let n = try NPY.read(F.directions.appendingPathComponent("smile.npy"))
        let direction = Tensor(n.floats(), shape: [1, 1, F.generator.styleDim])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: F.directions.appendingPathComponent("smile.json"))) as! [String: Any]
        let sigma = json["projection_std"] as! Double
        for name in ["gradstyle", "hfgi"] {
            let method = methods.methods.first { $0.name == name }!.repeats[0]
            let rec = method.invert(set.inputs)
            let expected = try ImageTensors.rasterImages(method.render(rec, editedLatent: rec.latent + direction * (1.5 * sigma)))[0]

            let edited = try png(try call("POST", "/api/edit", body: F.editBody(image: "face00000", method: name, edits: ["smile": 1.5, "age": 0]), type: "application/json"))
            XCTAssertEqual(edited.width, F.generator.size)
            let diff = zip(edited.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }.max()!
            XCTAssertLessThanOrEqual(diff, 1, "\(name): served edit differs from w + 1.5σ·n by \(diff)/255")
            // …and the edit is visible: different from the unedited inversion.
            let unedited = try png(try call("POST", "/api/edit", body: F.editBody(image: "face00000", method: name), type: "application/json"))
            XCTAssertNotEqual(unedited, edited, name)
        }
    }

    func testSliderMovesReuseTheCachedInversion() throws {
        let (service, base) = try (F.server().service, F.server().base)
        _ = try F.blocking { try await F.request(base, "POST", "/api/edit", body: F.editBody(session: "cache", image: "face00002", method: "e4e")) }
        let before = try F.blocking { try await service.inversionCount }
        for s in [0.5, 1, 1.5] {
            let r = try F.blocking { try await F.request(base, "POST", "/api/edit", body: F.editBody(session: "cache", image: "face00002", method: "e4e", edits: ["yaw": s])) }
            XCTAssertEqual(r.status, 200)
        }
        XCTAssertEqual(try F.blocking { try await service.inversionCount }, before, "a slider move inverted the image again")
    }

    func testBadEditRequestsGetClearErrors() throws {
        let cases: [(Data, Int, String)] = [
            (Data("not json".utf8), 400, "the body must be JSON"),
            (F.editBody(image: "face00000", method: "pix2pix"), 400, "unknown method 'pix2pix'"),
            (F.editBody(image: "face00000", edits: ["beard": 1]), 400, "unknown direction 'beard'"),
            (F.editBody(image: "face00000", edits: ["smile": 100]), 400, "outside ±10σ"),
            (F.editBody(session: "../etc", image: "face00000"), 400, "session must be"),
            (F.editBody(image: "../../etc/passwd"), 404, "no image '../../etc/passwd'"),
            (Data(repeating: 32, count: 70_000), 413, "over the limit of 65536 bytes"),
        ]
        for (body, status, message) in cases {
            let r = try call("POST", "/api/edit", body: body, type: "application/json")
            XCTAssertEqual(r.status, status, r.error)
            XCTAssertTrue(r.error.contains(message), "\(r.error) lacks \(message)")
        }
    }

    func testCrossSitePostsAreRefused() throws {
        let base = try F.server().base
        var request = URLRequest(url: URL(string: "api/edit", relativeTo: base)!)
        request.httpMethod = "POST"
        request.httpBody = F.editBody(image: "face00000")
        request.setValue("http://evil.example", forHTTPHeaderField: "Origin")
        let (data, response) = try F.blocking { try await URLSession.shared.data(for: request) }
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 403)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("cross-site request from http://evil.example refused"))
        // The page's own origin is accepted.
        request.setValue("http://127.0.0.1:\(base.port!)", forHTTPHeaderField: "Origin")
        let (_, ok) = try F.blocking { try await URLSession.shared.data(for: request) }
        XCTAssertEqual((ok as? HTTPURLResponse)?.statusCode, 200)
    }

    func testRoutingErrors() throws {
        XCTAssertEqual(try call("GET", "/api/edit").status, 405)
        XCTAssertEqual(try call("POST", "/api/info", body: Data()).status, 405)
        XCTAssertEqual(try call("GET", "/etc/passwd").status, 404)
        let traversal = try call("GET", "/api/images/..%2F..%2Fetc%2Fpasswd.png")
        XCTAssertEqual(traversal.status, 404)
        XCTAssertTrue(traversal.error.hasPrefix("no image"), traversal.error)
        XCTAssertEqual(try call("POST", "/api/images?align=yes", body: Data([1])).status, 400)
    }

    func testUploadCheckedBeforeAnythingIsKept() throws {
        let folder = try F.server().service.folder.url
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: folder.path).count
        // Not an image.
        var r = try call("POST", "/api/images", body: Data("hello, world".utf8))
        XCTAssertEqual(r.status, 415)
        XCTAssertEqual(r.error, "the upload is not a PNG or JPEG image")
        // Empty.
        r = try call("POST", "/api/images", body: Data())
        XCTAssertEqual(r.status, 400)
        // Over the byte limit (the body is refused from its Content-Length).
        var big = try ImageCodec.encode(RasterImage(width: 8, height: 8, channels: 3, fill: 128), as: .png)
        big.append(Data(repeating: 0, count: F.maxUploadBytes))
        r = try call("POST", "/api/images", body: big)
        XCTAssertEqual(r.status, 413)
        XCTAssertTrue(r.error.contains("over the limit of \(F.maxUploadBytes) bytes"), r.error)
        // A small PNG whose header declares 30000×30000 pixels: refused from the header, nothing decoded.
        var bomb = try ImageCodec.encode(RasterImage(width: 8, height: 8, channels: 3, fill: 128), as: .png)
        bomb.replaceSubrange(16..<24, with: [0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30])
        r = try call("POST", "/api/images", body: bomb)
        XCTAssertEqual(r.status, 413)
        XCTAssertTrue(r.error.contains("30000×30000 pixels is over the limit"), r.error)
        // Truncated image data behind a valid signature.
        let whole = try ImageCodec.encode(RasterImage(width: 32, height: 32, channels: 3, fill: 9), as: .png)
        r = try call("POST", "/api/images", body: whole.prefix(40))
        XCTAssertEqual(r.status, 415)
        XCTAssertTrue(r.error.hasPrefix("the upload could not be read as an image"), r.error)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).count, filesBefore, "a refused upload left a file")
    }

    func testUploadThenEditThenDownload() throws {
        // A 96×80 face-like image: center-cropped and resized, and the page is told so.
        var pixels: [UInt8] = []
        for y in 0..<80 { for x in 0..<96 { pixels += [UInt8(x * 2), UInt8(y * 3), 120] } }
        let upload = try ImageCodec.encode(try RasterImage(width: 96, height: 80, channels: 3, pixels: pixels), as: .png)
        let r = try call("POST", "/api/images", body: upload, type: "image/png")
        XCTAssertEqual(r.status, 200, r.error)
        let id = try XCTUnwrap(r.json["id"] as? String)
        XCTAssertEqual(r.json["aligned"] as? Bool, false)
        let notes = (r.json["notes"] as? [String] ?? []).joined(separator: " ")
        XCTAssertTrue(notes.contains("96×80 is not square") && notes.contains("center-cropped"), notes)
        XCTAssertFalse(notes.contains("upload-"), "notes name the server's files: \(notes)")
        XCTAssertEqual(try png(try call("GET", "/api/images/\(id).png")).width, F.generator.size)
        XCTAssertEqual(try png(try call("POST", "/api/edit", body: F.editBody(image: id, edits: ["age": -1]))).height, F.generator.size)
        let download = try call("POST", "/api/download", body: F.editBody(image: id, method: "single-stage", edits: ["age": -1, "smile": 0]))
        XCTAssertEqual(try png(download).width, F.generator.size)
        XCTAssertEqual(download.headers["content-disposition"], "attachment; filename=\"\(id)_single-stage_age-1.png\"")
    }

    func testAlignedPhotoIsPastedBackOnDownload() throws {
        let photoData = try Data(contentsOf: F.photo)
        let photo = try ImageCodec.decode(photoData).orientedImage
        let r = try call("POST", "/api/images?align=1", body: photoData, type: "image/jpeg")
        XCTAssertEqual(r.status, 200, r.error)
        XCTAssertEqual(r.json["aligned"] as? Bool, true)
        let id = try XCTUnwrap(r.json["id"] as? String)
        let download = try png(try call("POST", "/api/download", body: F.editBody(image: id, edits: ["smile": 2])))
        XCTAssertEqual([download.width, download.height], [photo.width, photo.height], "the download is not the whole photo")
        // Pasted into the face only: much of the photo is untouched, and the face region changed.
        let same = zip(download.toRGB(alpha: .overWhite).pixels, photo.toRGB(alpha: .overWhite).pixels).filter { $0 == $1 }.count
        XCTAssertGreaterThan(Double(same) / Double(photo.width * photo.height * 3), 0.2)
        XCTAssertNotEqual(download, photo)
    }

    func testUploadWithoutAFaceIsRefusedWhenAligning() throws {
        let flat = try ImageCodec.encode(RasterImage(width: 200, height: 200, channels: 3, fill: 200), as: .png)
        let r = try call("POST", "/api/images?align=1", body: flat)
        XCTAssertEqual(r.status, 422)
        XCTAssertTrue(r.error.hasPrefix("no face found in the upload"), r.error)
    }

    func testOldUploadsExpire() throws {
        let base = try F.server().base
        let image = try ImageCodec.encode(RasterImage(width: 64, height: 64, channels: 3, fill: 77), as: .png)
        var ids: [String] = []
        for _ in 0...F.maxUploads {
            let r = try F.blocking { try await F.request(base, "POST", "/api/images", body: image) }
            ids.append(r.json["id"] as! String)
        }
        XCTAssertEqual(try call("GET", "/api/images/\(ids[0]).png").status, 404)
        XCTAssertEqual(try call("GET", "/api/images/\(ids.last!).png").status, 200)
        let files = try FileManager.default.contentsOfDirectory(atPath: F.server().service.folder.url.path)
        XCTAssertLessThanOrEqual(files.count, F.maxUploads, "evicted uploads left files: \(files)")
    }

    /// With the worker busy, five slider positions of one page arrive: only the last waiting one is rendered,
    /// the others get 409 at once; other pages' edits all run; the page and info answer while the worker is busy.
    func testConcurrentEditsLatestWinsAndPageStaysResponsive() throws {
        let (service, base) = try (F.server().service, F.server().base)
        let release = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0)
        let busy = Task { try await service.worker.submit { started.signal(); release.wait() } }
        started.wait()
        let droppedBefore = service.worker.droppedCount
        let statuses = try F.blocking { () -> [Int] in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for s in 1...5 {
                    group.addTask { try await F.request(base, "POST", "/api/edit", body: F.editBody(session: "slider", image: "face00000", edits: ["smile": Double(s) / 2])).status }
                }
                for other in 1...2 {
                    group.addTask { try await F.request(base, "POST", "/api/edit", body: F.editBody(session: "page\(other)", image: "face00001")).status }
                }
                // The page answers while an edit blocks the worker.
                let start = Date()
                let page = try await F.request(base, "GET", "/")
                let info = try await F.request(base, "GET", "/api/info")
                XCTAssertEqual([page.status, info.status], [200, 200])
                XCTAssertLessThan(Date().timeIntervalSince(start), 2, "the page waited for the model")
                // Release the worker once all five positions of "slider" have been queued (four replaced).
                let deadline = Date().addingTimeInterval(30)
                while service.worker.droppedCount < droppedBefore + 4 && Date() < deadline { try await Task.sleep(nanoseconds: 5_000_000) }
                release.signal()
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        try F.blocking { try await busy.value }
        XCTAssertEqual(statuses.filter { $0 == 409 }.count, 4, "\(statuses)")
        XCTAssertEqual(statuses.filter { $0 == 200 }.count, 3, "\(statuses)")
    }

    /// A page's requests can overtake each other on separate connections: an older slider position (lower seq)
    /// arriving after a newer one is dropped at once, even while the worker is busy, and the newer one is rendered.
    func testOutOfOrderSliderPositionsKeepTheNewest() throws {
        let (service, base) = try (F.server().service, F.server().base)
        let release = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0)
        let busy = Task { try await service.worker.submit { started.signal(); release.wait() } }
        started.wait()
        let newer = Task { try await F.request(base, "POST", "/api/edit", body: F.editBody(session: "ooo", seq: 5, image: "face00000", edits: ["yaw": 1])) }
        let deadline = Date().addingTimeInterval(30)
        while service.worker.waitingCount < 1 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        let older = try F.blocking { try await F.request(base, "POST", "/api/edit", body: F.editBody(session: "ooo", seq: 3, image: "face00000")) }
        XCTAssertEqual(older.status, 409, "an older position arriving late was not dropped")
        release.signal()
        try F.blocking { try await busy.value }
        XCTAssertEqual(try F.blocking { try await newer.value }.status, 200)
    }

    func testFolderIsDeletedAtShutdown() throws {
        let running = try F.start(heldOutFaces: 0)
        let folder = running.service.folder.url
        let image = try ImageCodec.encode(RasterImage(width: 64, height: 64, channels: 3, fill: 10), as: .png)
        let r = try F.blocking { try await F.request(running.base, "POST", "/api/images", body: image) }
        XCTAssertEqual(r.status, 200)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        try F.blocking { await running.server.stop() }
        running.service.shutdown()
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path))
    }
}
