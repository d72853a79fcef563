import ArgumentParser
import Foundation
import Serving

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "A local web editor: pick or upload a face, move a slider per direction, compare methods, download.",
        discussion: """
        Serves one page (no files from outside the server) at http://HOST:PORT/. Images are inverted once per \
        method and cached; a slider move re-runs only the Editing Stream, and only the latest slider position of \
        a page is rendered. Uploads are checked (PNG or JPEG, --max-upload-mb, --max-pixels) and kept in a \
        temporary folder that is deleted when the server stops (Ctrl-C). Listens on loopback unless --host says \
        otherwise.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "A GradStyle bundle (default: models/default/model.safetensors).")
    var model: String?

    @Option(help: "An HFGI checkpoint to offer beside the bundle's methods.")
    var hfgi: String?

    @Option(help: "Folder of direction files, one slider each (default: beside the model, directions/).")
    var directions: String?

    @Option(help: "Address to listen on (127.0.0.1: this machine only).")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 8080

    @Option(help: "Largest upload in MB.")
    var maxUploadMb: Int = 20

    @Option(help: "Measure instead of serving: time N slider edits over loopback HTTP (after the inversion), print, exit.")
    var benchEdits: Int?

    func validate() throws {
        try OptionCheck.int(port, "--port", 0...65535)
        try OptionCheck.int(maxUploadMb, "--max-upload-mb", 1...1024)
        try OptionCheck.int(benchEdits, "--bench-edits", 1...10_000)
        do { _ = try EditorServer.socketAddress(host: host, port: 0) } catch { throw ValidationError("\(error)") }
        for (flag, path) in [("--model", model), ("--hfgi", hfgi), ("--directions", directions)] {
            if let path, !FileManager.default.fileExists(atPath: path) { throw ValidationError("\(flag) \(path): no such file or folder") }
        }
    }

    func run() throws {
        let device = try global.apply()
        guard let modelURL = model.map({ URL(fileURLWithPath: $0) }) ?? DemoCommand.defaultModel() else {
            throw ValidationError("no model: models/default/model.safetensors is missing; pass --model BUNDLE")
        }
        var options = ServeOptions(model: modelURL)
        options.extraModels = hfgi.map { [URL(fileURLWithPath: $0)] } ?? []
        options.directions = directions.map { URL(fileURLWithPath: $0) }
        options.host = host
        options.port = UInt16(port)
        options.maxUploadBytes = maxUploadMb << 20
        options.device = device
        if let benchEdits {
            try Self.benchmarkEdits(options, steps: benchEdits)
            return
        }
        let service = try EditorService(options: options)
        defer { service.shutdown() }
        try EditorServer(service: service).runUntilInterrupted { url in
            print("gradstyle serve: \(url) (model \(modelURL.path); Ctrl-C stops and deletes the uploads)")
            fflush(stdout)
        }
    }

    /// Times `steps` slider edits over loopback HTTP on a server started for it (any free port), prints one line.
    /// `serve --bench-edits N` and `bench serve` both run this.
    static func benchmarkEdits(_ options: ServeOptions, steps: Int) throws {
        var options = options
        options.port = 0
        let service = try EditorService(options: options)
        defer { service.shutdown() }
        let r = try EditorServer(service: service).measureEditLatency(steps: steps)
        print(String(format: "serve: slider→image over HTTP, %d edits: median %.1f ms, max %.1f ms (in the server: median %.1f ms)",
                     r.steps, r.medianMs, r.maxMs, r.serverMedianMs))
    }
}
