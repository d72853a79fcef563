import FaceLandmarks
import Foundation
import ImageIO
import Pipelines

/// What the editor's endpoints do, apart from HTTP plumbing (`EditorServer`): the page, the model's facts,
/// images by id, uploads, and edits. Model work goes through the `EditWorker` queue; everything else answers at
/// once, so the page stays responsive while an edit runs.
public final class EditorService: @unchecked Sendable {
    public struct Reply {
        public var status: Int
        public var contentType: String
        public var body: Data
        public var headers: [String: String] = [:]

        static func json(_ object: Any, status: Int = 200) -> Reply {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            return Reply(status: status, contentType: "application/json", body: data)
        }

        static func png(_ data: Data) -> Reply { Reply(status: 200, contentType: "image/png", body: data) }

        public static func error(_ error: EditorError) -> Reply { json(["error": error.message], status: error.status) }
    }

    /// What the page asks for: an image, a method, and a strength in σ per direction; `seq` orders one page's
    /// requests (they may arrive out of order).
    struct EditBody: Decodable {
        var session: String
        var seq: Int?
        var image: String
        var method: String
        var edits: [String: Double]
    }

    public let options: ServeOptions
    public let worker = EditWorker()
    public let folder: ServerTempFolder
    public let images: EditorImages
    private let session: EditorSession
    private let intake: ImageIntake
    public let alignAvailable: Bool

    /// Loads the model and renders the held-out faces. Throws a clear error when the model cannot be used.
    public init(options: ServeOptions) throws {
        self.options = options
        let folder = try ServerTempFolder()
        self.folder = folder
        do {
            let session = try EditorSession(models: [options.model] + options.extraModels, directionsFolder: options.directions,
                                            device: options.device)
            self.session = session
            images = EditorImages(maxUploads: options.maxUploads)
            for face in options.heldOutFaces > 0 ? try session.heldOutFaces(count: options.heldOutFaces) : [] {
                let before = try ImageCodec.encode(try ImageTensors.rasterImages(face.original)[0], as: .png)
                images.addHeldOut(EditorImage(id: face.name, label: "held-out \(face.name)", input: face.input, beforePNG: before))
            }
            alignAvailable = FileManager.default.fileExists(atPath: options.predictorPath)
            let predictorPath = options.predictorPath
            var detector: FaceLandmarkDetector? = nil
            intake = ImageIntake(session: session, folder: folder, detector: {
                if let detector { return detector }
                detector = try FaceLandmarkDetector(predictorPath: predictorPath)
                return detector!
            })
        } catch {
            folder.remove()
            throw error
        }
    }

    /// Stops the worker and deletes the server's folder.
    public func shutdown() {
        worker.stop()
        folder.remove()
    }

    /// How many inversions were computed (each image × method once; a cache hit computes none).
    public var inversionCount: Int { get async throws { try await worker.submit { self.session.inversionCount } } }

    /// GradStyle when the bundle has it.
    public var defaultMethod: String { session.methodNames.contains("gradstyle") ? "gradstyle" : session.methodNames.last! }
    public var directionNames: [String] { session.directions.map(\.name) }

    public func page() -> Reply {
        Reply(status: 200, contentType: "text/html; charset=utf-8", body: Data(EditorPage.html.utf8))
    }

    public func info() -> Reply {
        .json([
            "methods": session.methodNames,
            "defaultMethod": defaultMethod,
            "directions": session.directions.map { ["name": $0.name, "sigma": $0.sigma] },
            "images": images.all.map { ["id": $0.id, "label": $0.label] },
            "resolution": session.resolution,
            "alignAvailable": alignAvailable,
            "maxUploadBytes": options.maxUploadBytes,
            "maxPixels": ImageLimits.maxPixels,
        ])
    }

    /// The "before" view of an image.
    public func before(id: String) -> Reply {
        guard let image = images[id] else { return .error(EditorError(.notFound, "no image '\(id)' (uploads expire after \(options.maxUploads) newer ones)")) }
        return .png(image.beforePNG)
    }

    /// An uploaded image (the body), aligned first when `align`.
    public func upload(_ data: Data, align: Bool) async -> Reply {
        if align && !alignAvailable {
            return .error(EditorError(.badRequest, "alignment is not available: dlib's landmark model \(options.predictorPath) is missing (scripts/setup installs libdlib-data)"))
        }
        do {
            let id = images.newUploadID()
            let label = "upload \(id.dropFirst("upload".count))"
            let image = try await worker.submit { try self.intake.image(id: id, label: label, data: data, align: align) }
            for old in images.addUpload(image) {
                _ = try? await worker.submit { self.session.forget(id: old.id) }
                for file in old.files { try? FileManager.default.removeItem(at: file) }
            }
            return .json(["id": image.id, "label": image.label, "aligned": image.alignedFrom != nil, "notes": image.notes])
        } catch {
            return .error(EditorService.editorError(error))
        }
    }

    /// The edited face as PNG at the generator's size. A newer edit from the same page session that arrives
    /// while this one waits replaces it (409).
    public func edit(_ body: Data) async -> Reply {
        do {
            let request = try EditorService.parse(body)
            guard let image = images[request.image] else { throw EditorError(.notFound, "no image '\(request.image)'") }
            let start = Date()
            let png = try await worker.submit(key: "edit:" + request.session, sequence: request.seq) {
                try ImageCodec.encode(try self.session.render(id: image.id, input: image.input, method: request.method,
                                                              strengths: request.edits), as: .png)
            }
            var reply = Reply.png(png)
            reply.headers["X-Edit-Ms"] = String(format: "%.1f", Date().timeIntervalSince(start) * 1000)
            return reply
        } catch {
            return .error(EditorService.editorError(error))
        }
    }

    /// The edited image to save: the face, or for aligned uploads the whole photo with the face pasted back.
    public func download(_ body: Data) async -> Reply {
        do {
            let request = try EditorService.parse(body)
            guard let image = images[request.image] else { throw EditorError(.notFound, "no image '\(request.image)'") }
            let png = try await worker.submit { () throws -> Data in
                let face = try self.session.render(id: image.id, input: image.input, method: request.method, strengths: request.edits)
                guard let (photoURL, transform) = image.alignedFrom else { return try ImageCodec.encode(face, as: .png) }
                let photo = try ImageFile.read(photoURL)
                return try ImageCodec.encode(try FacePasteBack().paste(face, into: photo, transform: transform), as: .png)
            }
            var reply = Reply.png(png)
            let edits = request.edits.keys.sorted().filter { request.edits[$0] != 0 }
                .map { "\($0)\(String(format: "%+g", request.edits[$0]!))" }
            let name = ([image.id, request.method] + edits).joined(separator: "_")
            reply.headers["Content-Disposition"] = "attachment; filename=\"\(name).png\""
            return reply
        } catch {
            return .error(EditorService.editorError(error))
        }
    }

    /// Reads an edit body; ids, names and numbers are checked here and against the model in `EditorSession`.
    static func parse(_ body: Data) throws -> EditBody {
        let request: EditBody
        do {
            request = try JSONDecoder().decode(EditBody.self, from: body)
        } catch {
            throw EditorError(.badRequest, "the body must be JSON {\"session\": ID, \"image\": ID, \"method\": NAME, \"edits\": {DIRECTION: SIGMAS}}")
        }
        guard request.session.count <= 64, !request.session.isEmpty,
              request.session.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw EditorError(.badRequest, "session must be 1 to 64 letters, digits, '-' or '_'")
        }
        for (name, s) in request.edits where !s.isFinite || abs(s) > maxSigmas {
            throw EditorError(.badRequest, "edit '\(name)': strength \(s) is outside ±\(Int(maxSigmas))σ")
        }
        return request
    }

    /// Strengths beyond this many σ leave the codes' distribution entirely.
    static let maxSigmas = 10.0

    /// Any error as the editor's one-line HTTP error.
    static func editorError(_ error: Error) -> EditorError {
        if let e = error as? EditorError { return e }
        if let e = error as? FaceLandmarkError { return EditorError(.unprocessable, "face alignment failed: \(e)") }
        return EditorError(.internalError, "\(error)")
    }
}
