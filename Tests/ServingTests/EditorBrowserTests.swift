import Foundation
import ImageIO
import XCTest

/// The editor in a real browser (Debian's headless Chromium through chromedriver): load the page, upload an image,
/// move a slider with the keyboard, and check that the displayed image changed; measures slider→image latency
/// (acceptance: ≤ 0.5 s with the bundled model on the project's 2-core machine).
final class EditorBrowserTests: XCTestCase {
    typealias F = ServingFixture

    /// Pixels of the displayed result (`#after`), read back through a canvas.
    static let displayedPixels = """
        const img = document.getElementById("after");
        const c = document.createElement("canvas");
        c.width = img.naturalWidth; c.height = img.naturalHeight;
        const g = c.getContext("2d");
        g.drawImage(img, 0, 0);
        return Array.from(g.getImageData(0, 0, c.width, c.height).data);
        """

    /// The latest request's result is on screen.
    static let settled = "return editor.ready && editor.sent > 0 && editor.shown === editor.sent && document.getElementById('after').complete;"

    func testUploadMoveSliderImageChanges() throws {
        let start = Date()
        let browser = try WebDriverSession()
        defer { browser.close() }
        let base = try F.server().base
        try browser.open(base)
        try browser.wait("the page to show its first edit", Self.settled)

        // Upload a 128² face (rendered like the held-out ones, but a face the page does not list).
        let face = try F.blocking { try await F.request(base, "GET", "/api/images/face00002.png") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gradstyle-browser-\(UUID().uuidString).png")
        try face.body.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let sentBefore = try XCTUnwrap(browser.execute("return editor.sent;") as? Int)
        try browser.sendKeys(try browser.element("#upload"), file.path)
        try browser.wait("the upload to be selected and shown",
                         "return document.querySelector('#faces button.selected').dataset.id.startsWith('upload') && editor.sent > \(sentBefore) && editor.shown === editor.sent;")
        let uploaded = try XCTUnwrap(browser.execute(Self.displayedPixels) as? [Int])
        XCTAssertEqual(uploaded.count, F.generator.size * F.generator.size * 4)

        // Move the smile slider four steps right with the keyboard (each step is an edit request; latest wins).
        let slider = try browser.element("#sliders input[data-direction=smile]")
        try browser.sendKeys(slider, String(repeating: "\u{E014}", count: 4))
        try browser.wait("the slider's edit to be shown", Self.settled)
        XCTAssertEqual(try browser.execute("return document.querySelector('#sliders input[data-direction=smile]').value;") as? String, "1")
        let edited = try XCTUnwrap(browser.execute(Self.displayedPixels) as? [Int])
        let changed = zip(uploaded, edited).filter { $0 != $1 }.count
        XCTAssertGreaterThan(changed, 100, "the displayed image did not change after the slider moved")
        XCTAssertEqual(try browser.execute("return editor.errors;") as? [String], [])

        // Latency, one step at a time: slider input event → new image decoded on screen.
        var latencies: [Double] = []
        for key in Array(repeating: "\u{E014}", count: 4) + Array(repeating: "\u{E012}", count: 4) {
            let shown = try XCTUnwrap(browser.execute("return editor.shown;") as? Int)
            try browser.sendKeys(slider, key)
            try browser.wait("a slider step to be shown", "return editor.shown > \(shown) && editor.shown === editor.sent;")
            latencies.append(try XCTUnwrap(browser.execute("return editor.latencies[editor.latencies.length - 1];") as? Double))
        }
        let sorted = latencies.sorted()
        let median = (sorted[3] + sorted[4]) / 2
        print(String(format: "serve browser test: slider→image latency median %.0f ms, max %.0f ms over %d steps; test %.1f s",
                     median, sorted.last!, sorted.count, Date().timeIntervalSince(start)))
        // Performance is a benchmark's job (`serve --bench-edits`; README), not a timed test's: the printed median is
        // the browser-side figure, and this bound only catches an editor that stopped keeping up (10× the 0.5 s goal).
        XCTAssertLessThanOrEqual(median, 5000, "slider→image latency \(latencies)")

        // Pick a held-out face: it is shown with the sliders' current edit.
        let sent = try XCTUnwrap(browser.execute("return editor.sent;") as? Int)
        try browser.click(try browser.element("#faces button[data-id=face00000]"))
        try browser.wait("the held-out face's edit", "return editor.sent > \(sent) && editor.shown === editor.sent;")
        XCTAssertEqual(try browser.execute("return document.querySelector('#faces button.selected').dataset.id;") as? String, "face00000")
        XCTAssertEqual(try browser.execute("return editor.errors;") as? [String], [])

        if let path = ProcessInfo.processInfo.environment["GRADSTYLE_SERVE_SCREENSHOT"] {
            try browser.screenshot().write(to: URL(fileURLWithPath: path))
        }
    }
}
