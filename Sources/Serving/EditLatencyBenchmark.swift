import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Slider→image latency as the page sees it, minus the browser: a running editor is sent one edit request per
/// slider step over loopback HTTP, one after another, and each round trip (request, Editing Stream, PNG back) is
/// timed. The image's inversion is made first and not counted, as on the page, where it happens on selection.
public enum EditLatencyBenchmark {
    public struct Result: Codable, Equatable {
        public var steps: Int
        public var medianMs: Double
        public var maxMs: Double
        /// Median time inside the server (queue + render + PNG), from its X-Edit-Ms header.
        public var serverMedianMs: Double
    }

    /// `steps` slider positions of the first direction from −2σ to +2σ on image `image` with `method`.
    public static func run(base: URL, image: String, method: String, direction: String, steps: Int) async throws -> Result {
        guard steps >= 1 else { throw EditorError(.badRequest, "the benchmark needs at least one step, got \(steps)") }
        func edit(_ sigmas: Double) async throws -> (ms: Double, serverMs: Double) {
            var request = URLRequest(url: URL(string: "api/edit", relativeTo: base)!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: ["session": "bench", "image": image, "method": method,
                                                                         "edits": [direction: sigmas]])
            let start = Date()
            let (data, response) = try await URLSession.shared.data(for: request)
            let ms = Date().timeIntervalSince(start) * 1000
            guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
                throw EditorError(.internalError, "the edit failed: \(String(decoding: data, as: UTF8.self))")
            }
            return (ms, Double(http.value(forHTTPHeaderField: "X-Edit-Ms") ?? "") ?? .nan)
        }
        _ = try await edit(0)  // the inversion, cached from here on
        var times: [(ms: Double, serverMs: Double)] = []
        for i in 0..<steps {
            times.append(try await edit(steps == 1 ? 1 : -2 + 4 * Double(i) / Double(steps - 1)))
        }
        func median(_ values: [Double]) -> Double {
            let v = values.sorted()
            return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
        }
        return Result(steps: steps, medianMs: median(times.map(\.ms)), maxMs: times.map(\.ms).max()!,
                      serverMedianMs: median(times.map(\.serverMs)))
    }
}
