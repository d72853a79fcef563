import FlyingFox
import FlyingSocks
import Foundation

/// `gradstyle serve`'s HTTP side (FlyingFox): routes each request to `EditorService`, enforcing methods and body
/// limits before anything is read into memory.
///
///   GET  /                      the page
///   GET  /api/info              methods, directions (σ), images, limits
///   GET  /api/images/ID.png     an image's "before" view
///   POST /api/images[?align=1]  upload: the body is a PNG or JPEG
///   POST /api/edit              JSON {session, image, method, edits} → PNG (latest per session wins)
///   POST /api/download          the same JSON → PNG to save (pasted back into the photo when aligned)
public final class EditorServer: @unchecked Sendable {
    public let service: EditorService
    private let http: HTTPServer
    private var task: Task<Void, Error>?
    /// Edit bodies are a few hundred bytes; anything much larger is not an edit.
    static let maxJSONBytes = 64 << 10

    public init(service: EditorService) throws {
        self.service = service
        let options = service.options
        let address = try EditorServer.socketAddress(host: options.host, port: options.port)
        // Edits wait in the queue behind other model work: allow well over one inversion per request.
        // FlyingFox logs to stdout; the CLI's output is its own (errors reach the page as HTTP errors).
        http = HTTPServer(address: address, timeout: 300, logger: .disabled)
    }

    /// The address to listen on: an IPv4 or IPv6 literal (no name lookup: "localhost" could resolve off-loopback).
    public static func socketAddress(host: String, port: UInt16) throws -> any SocketAddress {
        do {
            return host.contains(":") ? try sockaddr_in6.inet6(ip6: host, port: port) : try sockaddr_in.inet(ip4: host, port: port)
        } catch {
            throw EditorError(.badRequest, "--host \(host): not an IPv4 or IPv6 address (e.g. 127.0.0.1 or ::1)")
        }
    }

    /// Starts listening; returns the port (useful with port 0).
    public func start() async throws -> UInt16 {
        await http.appendRoute("*") { [service] request in await EditorServer.route(request, service: service) }
        task = Task { try await http.run() }
        do {
            try await http.waitUntilListening(timeout: 10)
        } catch {
            let why = await (try? task?.value).map { _ in "\(error)" } ?? "\(error)"
            throw EditorError(.internalError, "cannot listen on \(service.options.host):\(service.options.port): \(why)")
        }
        guard let address = await http.listeningAddress else { throw EditorError(.internalError, "the server is not listening") }
        switch address {
        case .ip4(_, let port), .ip6(_, let port): return port
        default: throw EditorError(.internalError, "the server listens on an unexpected address \(address)")
        }
    }

    /// Serves until the process is interrupted (SIGINT/SIGTERM: `InterruptCleanup` then removes the server's
    /// folder) or the listener fails. `announce` gets the page's address once listening.
    public func runUntilInterrupted(announce: (String) -> Void) throws {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<UInt16, Error> = .failure(EditorError(.internalError, "not started"))
        Task {
            do { outcome = .success(try await self.start()) } catch { outcome = .failure(error) }
            done.signal()
        }
        done.wait()
        let port = try outcome.get()
        let host = service.options.host.contains(":") ? "[\(service.options.host)]" : service.options.host
        announce("http://\(host):\(port)/")
        nonisolated(unsafe) var failure: Error? = nil
        Task {
            do { try await self.task?.value } catch { failure = error }
            done.signal()
        }
        done.wait()
        if let failure { throw EditorError(.internalError, "the server stopped: \(failure)") }
    }

    /// Starts, times `steps` slider edits of the first held-out face with the default method along the first
    /// direction (`EditLatencyBenchmark`), and stops.
    public func measureEditLatency(steps: Int) throws -> EditLatencyBenchmark.Result {
        guard let image = service.images.all.first?.id, let direction = service.directionNames.first else {
            throw EditorError(.badRequest, "nothing to measure: the model needs a direction file and a held-out face")
        }
        let method = service.defaultMethod
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: Result<EditLatencyBenchmark.Result, Error> = .failure(EditorError(.internalError, "not run"))
        Task {
            do {
                let port = try await self.start()
                let base = URL(string: "http://\(service.options.host.contains(":") ? "[\(service.options.host)]" : service.options.host):\(port)/")!
                outcome = .success(try await EditLatencyBenchmark.run(base: base, image: image, method: method, direction: direction, steps: steps))
            } catch {
                outcome = .failure(error)
            }
            await self.stop()
            done.signal()
        }
        done.wait()
        return try outcome.get()
    }

    /// Stops listening and waits for the run loop to end; the service's folder is the caller's to remove.
    public func stop() async {
        await http.stop(timeout: 1)
        _ = try? await task?.value
    }

    static func route(_ request: HTTPRequest, service: EditorService) async -> HTTPResponse {
        let reply: EditorService.Reply
        do {
            reply = try await dispatch(request, service: service)
        } catch {
            reply = .error(EditorService.editorError(error))
        }
        var headers: HTTPHeaders = [.contentType: reply.contentType, .cacheControl: "no-store"]
        for (name, value) in reply.headers { headers[HTTPHeader(name)] = value }
        return HTTPResponse(statusCode: HTTPStatusCode(reply.status, phrase: phrase(reply.status)), headers: headers, body: reply.body)
    }

    private static func dispatch(_ request: HTTPRequest, service: EditorService) async throws -> EditorService.Reply {
        let path = request.path
        let method = request.method
        // Another site's page open in the same browser may post here (it cannot read the answers, but it could
        // upload or keep the worker busy): browsers send Origin with such requests, and it is not our address.
        if method != .GET, let origin = request.headers[HTTPHeader("Origin")], let host = request.headers[.host],
           origin != "http://\(host)" {
            throw EditorError(.forbidden, "cross-site request from \(origin) refused")
        }
        func only(_ allowed: HTTPMethod) throws {
            guard method == allowed else { throw EditorError(.methodNotAllowed, "\(path) takes \(allowed.rawValue), not \(method.rawValue)") }
        }
        switch path {
        case "/", "/index.html":
            try only(.GET)
            return service.page()
        case "/api/info":
            try only(.GET)
            return service.info()
        case "/api/images":
            try only(.POST)
            let align = request.query.first { $0.name == "align" }?.value
            guard align == nil || align == "0" || align == "1" else {
                throw EditorError(.badRequest, "align must be 0 or 1, got '\(align!)'")
            }
            let body = try await read(request, limit: service.options.maxUploadBytes, what: "the upload")
            return await service.upload(body, align: align == "1")
        case "/api/edit":
            try only(.POST)
            return await service.edit(try await read(request, limit: maxJSONBytes, what: "an edit request"))
        case "/api/download":
            try only(.POST)
            return await service.download(try await read(request, limit: maxJSONBytes, what: "a download request"))
        default:
            if path.hasPrefix("/api/images/"), path.hasSuffix(".png") {
                try only(.GET)
                let id = String(path.dropFirst("/api/images/".count).dropLast(".png".count))
                return service.before(id: id)
            }
            throw EditorError(.notFound, "no such page or endpoint: \(path)")
        }
    }

    /// The body, refused as soon as it is known to exceed `limit` (from Content-Length, or while reading a
    /// chunked body): an oversize upload is never held in memory.
    static func read(_ request: HTTPRequest, limit: Int, what: String) async throws -> Data {
        let tooLarge = EditorError(.tooLarge, "\(what) is over the limit of \(limit) bytes")
        if let count = request.bodySequence.count, count > limit { throw tooLarge }
        var data = Data()
        for try await chunk in request.bodySequence {
            data.append(chunk)
            if data.count > limit { throw tooLarge }
        }
        return data
    }

    static func phrase(_ status: Int) -> String {
        [200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large",
         415: "Unsupported Media Type", 422: "Unprocessable Content", 500: "Internal Server Error"][status] ?? "Error"
    }
}
