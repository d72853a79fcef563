import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Pipelines
import XCTest

/// Summaries over images and repeats, their renderings, and the SVG charts.
final class ProtocolResultsTests: XCTestCase {
    func testSpreadOverSeedsAndOverImages() {
        var acc = ProtocolResults.Accumulator()
        acc.add(["a"], "PSNR", repeat: 0, [20, 22, .infinity])  // infinite values are left out of means
        acc.add(["a"], "PSNR", repeat: 1, [23, 25])
        acc.add(["b"], "PSNR", repeat: 0, [10, 12, 14])
        let rows = acc.rows()
        XCTAssertEqual(rows.map(\.keys), [["a"], ["b"]])
        let a = rows[0].cells["PSNR"]!
        XCTAssertEqual(a.repeats, [21, 24])
        XCTAssertEqual(a.mean, 22.5)
        XCTAssertEqual(a.spread!, (4.5).squareRoot(), accuracy: 1e-12)  // sample std of 21 and 24
        XCTAssertEqual(a.spreadKind, .seeds)
        let b = rows[1].cells["PSNR"]!
        XCTAssertEqual(b.spreadKind, .images)
        // t(0.975, 2) = 4.302653 · s / √3 with s = 2
        XCTAssertEqual(b.spread!, 4.302653 * 2 / 3.0.squareRoot(), accuracy: 1e-5)
    }

    func testRenderings() {
        var r = ProtocolResults(title: "T", keyNames: ["method"], columns: [.init("PSNR", higherIsBetter: true, decimals: 2)])
        var acc = ProtocolResults.Accumulator()
        acc.add(["x,y"], "PSNR", repeat: 0, [1, 3])
        r.rows = acc.rows()
        r.imageRows = [(["x,y", "r0", "img"], ["PSNR": 1])]
        XCTAssertTrue(r.markdown().contains("| x,y | 2.00 ± "))
        var piped = r
        piped.rows[0].keys = ["a|b"]
        XCTAssertTrue(piped.markdown().contains("| a\\|b | 2.00"), piped.markdown())
        XCTAssertTrue(r.summaryCSV().contains("\"x,y\",2,"), r.summaryCSV())
        XCTAssertEqual(r.imageCSV(), "method,repeat,image,PSNR\n\"x,y\",r0,img,1\n")
        XCTAssertTrue(JSONSerialization.isValidJSONObject(r.jsonObject()))
    }

    func testTickStepsAreOneTwoFive() {
        XCTAssertEqual(SVGBarChart.tickStep(span: 10), 2)
        XCTAssertEqual(SVGBarChart.tickStep(span: 1), 0.2)
        XCTAssertEqual(SVGBarChart.tickStep(span: 0.03), 0.005, accuracy: 1e-15)
        XCTAssertEqual(SVGBarChart.tickStep(span: 700), 100)
    }

    func testChartHasABarPerValueAndCoversErrors() throws {
        var chart = SVGBarChart(title: "PSNR <dB>", yLabel: "dB", categories: ["smile", "age"], series: ["e4e", "gradstyle"],
                                values: [[20, nil], [24, 23]], errors: [[1, nil], [0.5, 2]])
        chart.fromZero = false
        let axis = chart.axis()
        XCTAssertLessThanOrEqual(axis.low, 19)
        XCTAssertGreaterThanOrEqual(axis.high, 25)
        let svg = chart.render()
        XCTAssertEqual(svg.components(separatedBy: "<title>").count - 1, 3, "one bar per non-nil value")
        XCTAssertTrue(svg.contains("PSNR &lt;dB&gt;"), "text is escaped")
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        // well-formed XML
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "\(String(describing: parser.parserError))")
    }
}
