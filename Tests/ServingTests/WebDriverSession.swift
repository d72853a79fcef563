import Foundation
import XCTest

/// A headless Chromium driven through chromedriver's WebDriver protocol (plain HTTP + JSON, sent with curl), for
/// the editor's browser test. Skips (never passes) where Debian's chromium or chromium-driver is not installed.
final class WebDriverSession {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let chromedriver = ["/usr/bin/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let curl = "/usr/bin/curl"

    private let driver: Process
    private let base: URL
    private var session = ""
    private let profile: URL

    init() throws {
        guard let chromium = WebDriverSession.chromium, let chromedriver = WebDriverSession.chromedriver,
              FileManager.default.isExecutableFile(atPath: WebDriverSession.curl) else {
            throw XCTSkip("headless Chromium is not installed (Debian's chromium, chromium-driver and curl; scripts/setup installs them)")
        }
        let port = 20_000 + Int.random(in: 0..<30_000)
        base = URL(string: "http://127.0.0.1:\(port)/")!
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("gradstyle-chromium-\(UUID().uuidString)")
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: chromedriver)
        driver.arguments = ["--port=\(port)"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        let deadline = Date().addingTimeInterval(20)
        var last = "no answer"
        while true {
            do {
                let status = try call("GET", "status")
                if (status["value"] as? [String: Any])?["ready"] as? Bool == true { break }
                last = "\(status)"
            } catch {
                last = "\(error)"
            }
            guard Date() < deadline else { close(); throw WebDriverError("chromedriver did not start on port \(port): \(last)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let options: [String: Any] = ["binary": chromium,
                                      "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                               "--window-size=1100,720", "--user-data-dir=\(profile.path)"]]
        let created = try call("POST", "session", ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]])
        guard let id = (created["value"] as? [String: Any])?["sessionId"] as? String else {
            close()
            throw WebDriverError("chromedriver made no session: \(created)")
        }
        session = id
    }

    func close() {
        if !session.isEmpty { _ = try? call("DELETE", "session/\(session)") }
        session = ""
        if driver.isRunning { driver.terminate() }
        driver.waitUntilExit()
        try? FileManager.default.removeItem(at: profile)
    }

    func open(_ url: URL) throws { _ = try command("POST", "url", ["url": url.absoluteString]) }

    /// Runs `script` (a function body) in the page and returns its result.
    func execute(_ script: String, _ args: [Any] = []) throws -> Any? {
        try command("POST", "execute/sync", ["script": script, "args": args])
    }

    /// Polls `script` until it returns true.
    func wait(_ what: String, timeout: TimeInterval = 60, _ script: String) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try execute(script) as? Bool != true {
            guard Date() < deadline else {
                let state = (try? execute("return JSON.stringify({editor, status: document.getElementById('status').textContent});")) ?? nil
                throw WebDriverError("timed out waiting for \(what); page state: \(state ?? "unknown")")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// The element for a CSS selector.
    func element(_ selector: String) throws -> String {
        let value = try command("POST", "element", ["using": "css selector", "value": selector]) as? [String: Any]
        guard let id = value?.values.first as? String else { throw WebDriverError("no element \(selector)") }
        return id
    }

    /// Types into an element, as a user would (a file path into a file input; arrow keys into a slider).
    func sendKeys(_ element: String, _ text: String) throws {
        _ = try command("POST", "element/\(element)/value", ["text": text])
    }

    func click(_ element: String) throws {
        _ = try command("POST", "element/\(element)/click", [:])
    }

    func screenshot() throws -> Data {
        guard let b64 = try command("GET", "screenshot") as? String, let data = Data(base64Encoded: b64) else {
            throw WebDriverError("no screenshot")
        }
        return data
    }

    private func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        let reply = try call(method, "session/\(session)/\(path)", body)
        if let value = reply["value"] as? [String: Any], let error = value["error"] as? String {
            throw WebDriverError("\(path): \(error): \(value["message"] ?? "")")
        }
        return reply["value"]
    }

    /// One WebDriver call through curl: chromedriver writes headers without a space after the colon
    /// ("Content-Length:251"), which FoundationNetworking's URLSession refuses ("Failed writing header").
    private func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: WebDriverSession.curl)
        curl.arguments = ["-s", "--max-time", "60", "-X", method, "-H", "Content-Type: application/json", "--data-binary", "@-",
                          URL(string: path, relativeTo: base)!.absoluteString]
        let input = Pipe(), output = Pipe()
        curl.standardInput = input
        curl.standardOutput = output
        try curl.run()
        input.fileHandleForWriting.write(try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data())
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        guard curl.terminationStatus == 0 else { throw WebDriverError("curl \(method) \(path) failed with status \(curl.terminationStatus)") }
        return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
}

struct WebDriverError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
