import Foundation
import XCTest

/// The documents point readers at report pages under docs/results/: every such path they name must be in the
/// checkout (CI runs on a fresh clone, so there it must be committed, not left behind by a local run).
final class DocumentationPathsTests: XCTestCase {
    func testEveryReportPageTheDocumentsNameExists() throws {
        let root = BuiltBinary.packageRoot
        let fm = FileManager.default
        var documents = ["README.md", "models/default/MODEL_CARD.md"].map { root.appendingPathComponent($0) }
        let docs = root.appendingPathComponent("docs")
        for name in try fm.contentsOfDirectory(atPath: docs.path).sorted() where name.hasSuffix(".md") {
            documents.append(docs.appendingPathComponent(name))
        }
        // A path ends at white space, a backquote, a bracket, a quote or a comma; a trailing full stop is prose.
        let pattern = try NSRegularExpression(pattern: #"docs/results/[^\s`)\]("',;]+"#)
        var named = 0
        for document in documents where fm.fileExists(atPath: document.path) {
            let text = try String(contentsOf: document, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                var path = String(text[Range(match.range, in: text)!])
                while path.hasSuffix(".") || path.hasSuffix(":") { path.removeLast() }
                named += 1
                XCTAssertTrue(fm.fileExists(atPath: root.appendingPathComponent(path).path),
                              "\(document.lastPathComponent) names \(path), which is not in the checkout")
            }
        }
        XCTAssertGreaterThan(named, 0, "no document names a docs/results path: the pattern no longer matches them")
    }
}
