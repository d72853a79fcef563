import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Pipelines
import Serving
import TensorIO
import XCTest

/// One editor server on the bundled model, shared by the tests of this target (loading the model once), on a free
/// loopback port with small limits so that the limits are cheap to test.
enum ServingFixture {
    /// The checkout's root (the folder holding Package.swift above this file).
    static let root: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }()

    static let model = root.appendingPathComponent("models/default/model.safetensors")
    static let directions = root.appendingPathComponent("models/default/directions")
    /// The bundled generator's output size and style dimension, read from the bundle's own metadata (not through the
    /// server), so that these tests hold for whichever default model is bundled.
    static let generator: (size: Int, styleDim: Int) = {
        let metadata = try! SafeTensorsFile(contentsOf: model).metadata
        let config = try! JSONSerialization.jsonObject(with: Data(metadata["gradstyle.generator"]!.utf8)) as! [String: Any]
        return (config["size"] as! Int, config["styleDim"] as! Int)
    }()
    static let maxUploadBytes = 300_000
    static let maxUploads = 3

    /// A real photo with one face (the alignment tests' fixture), found wherever Tests/ keeps it.
    static let photo: URL = {
        let tests = root.appendingPathComponent("Tests")
        let files = FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return files.first { $0.lastPathComponent == "astronaut.jpg" }!
    }()

    struct Running {
        let service: EditorService
        let server: EditorServer
        let base: URL
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var shared: Running?

    /// The shared server, started on first use.
    static func server() throws -> Running {
        lock.lock()
        defer { lock.unlock() }
        if let shared { return shared }
        let running = try start()
        shared = running
        return running
    }

    /// A new server (the caller stops it).
    static func start(maxUploads: Int = maxUploads, heldOutFaces: Int = 3) throws -> Running {
        var options = ServeOptions(model: model)
        options.port = 0
        options.maxUploadBytes = maxUploadBytes
        options.maxUploads = maxUploads
        options.heldOutFaces = heldOutFaces
        let service = try EditorService(options: options)
        let server = try EditorServer(service: service)
        let port = try blocking { try await server.start() }
        return Running(service: service, server: server, base: URL(string: "http://127.0.0.1:\(port)/")!)
    }

    /// Runs async work from a synchronous test.
    static func blocking<T>(_ work: @escaping () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<T, Error> = .failure(CancellationError())
        Task {
            do { result = .success(try await work()) } catch { result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try result.get()
    }

    struct Response {
        let status: Int
        let body: Data
        let headers: [String: String]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var error: String { json["error"] as? String ?? "" }
    }

    /// One HTTP request over a real socket (URLSession).
    static func request(_ base: URL, _ method: String, _ path: String, body: Data? = nil, contentType: String? = nil) async throws -> Response {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 120
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
        return Response(status: http.statusCode, body: data, headers: headers)
    }

    static func editBody(session: String = "test", seq: Int? = nil, image: String, method: String = "gradstyle",
                         edits: [String: Double] = [:]) -> Data {
        var body: [String: Any] = ["session": session, "image": image, "method": method, "edits": edits]
        if let seq { body["seq"] = seq }
        return try! JSONSerialization.data(withJSONObject: body)
    }
}
