import XCTest
@testable import ImageIO

final class ImageGridTests: XCTestCase {
    private func solid(_ width: Int, _ height: Int, _ rgb: [UInt8]) -> RasterImage {
        try! RasterImage(width: width, height: height, channels: 3,
                         pixels: Array((0..<(width * height)).map { _ in rgb }.joined()))
    }

    func testTilesArePlacedPixelExactlyWithPadding() throws {
        let tiles = (0..<6).map { patternImage(width: 4, height: 3, channels: 3, seed: $0) }
        let grid = ImageGrid(rows: 2, columns: 3, padding: 2, background: Color8(red: 1, green: 2, blue: 3))
        let out = try grid.render(tiles)
        // width = 2 + 3*4 + 2*2 + 2 = 20; height = 2 + 2*3 + 1*2 + 2 = 12
        XCTAssertEqual(out.width, 20)
        XCTAssertEqual(out.height, 12)
        XCTAssertEqual(out.channels, 3)
        let layout = try grid.layout(tileWidth: 4, tileHeight: 3)
        XCTAssertEqual(layout.tileRect(row: 0, column: 0), PixelRect(x: 2, y: 2, width: 4, height: 3))
        XCTAssertEqual(layout.tileRect(row: 1, column: 2), PixelRect(x: 14, y: 7, width: 4, height: 3))
        var covered = Set<Int>()
        for (index, tile) in tiles.enumerated() {
            let rect = layout.tileRect(row: index / 3, column: index % 3)
            for y in 0..<3 {
                for x in 0..<4 {
                    XCTAssertEqual(Array(out.pixel(x: rect.x + x, y: rect.y + y)), Array(tile.pixel(x: x, y: y)), "tile \(index)")
                    covered.insert((rect.y + y) * out.width + rect.x + x)
                }
            }
        }
        for y in 0..<out.height {
            for x in 0..<out.width where !covered.contains(y * out.width + x) {
                XCTAssertEqual(Array(out.pixel(x: x, y: y)), [1, 2, 3], "padding at (\(x), \(y))")
            }
        }
    }

    func testMissingCellsStayBackgroundAndGrayStaysGray() throws {
        let tiles = [patternImage(width: 2, height: 2, channels: 1), patternImage(width: 2, height: 2, channels: 1, seed: 1)]
        let out = try ImageGrid(rows: 2, columns: 2, padding: 1, background: Color8(gray: 9)).render(tiles)
        XCTAssertEqual(out.channels, 1)
        XCTAssertEqual(out.width, 7)
        XCTAssertEqual(out.height, 7)
        for y in 4..<6 { for x in 1..<6 { XCTAssertEqual(out[x, y, 0], 9) } } // second row is empty
        XCTAssertEqual(out[4, 1, 0], tiles[1][0, 0, 0])
    }

    func testMixedChannelTilesBecomeRGB() throws {
        let gray = patternImage(width: 3, height: 3, channels: 1)
        var rgba = try RasterImage(width: 3, height: 3, channels: 4, fill: 0) // transparent black
        rgba[1, 1, 3] = 255
        let out = try ImageGrid(rows: 1, columns: 2, padding: 0).render([gray, rgba])
        XCTAssertEqual(out.channels, 3)
        XCTAssertEqual(Array(out.pixel(x: 0, y: 0)), Array(gray.toRGB().pixel(x: 0, y: 0)))
        XCTAssertEqual(Array(out.pixel(x: 3, y: 0)), [255, 255, 255]) // composited over white
        XCTAssertEqual(Array(out.pixel(x: 4, y: 1)), [0, 0, 0])
    }

    func testLabelPixelsAppearOnlyInLabelBands() throws {
        let gray: [UInt8] = [128, 128, 128]
        let tiles = (0..<4).map { _ in solid(30, 20, gray) }
        let grid = ImageGrid(rows: 2, columns: 2, padding: 3, columnLabels: ["INPUT", "e4e+GS"],
                             rowLabels: ["A:1", "b(2)"], labelScale: 1)
        let out = try grid.render(tiles)
        let layout = try grid.layout(tileWidth: 30, tileHeight: 20)
        let rowLabelWidth = BitmapFont.textWidth("b(2)")
        XCTAssertEqual(layout.tileRect(row: 0, column: 0), PixelRect(x: 3 + rowLabelWidth + 3, y: 3 + 7 + 3, width: 30, height: 20))
        XCTAssertEqual(out.width, 3 + rowLabelWidth + 3 + 30 + 3 + 30 + 3)
        XCTAssertEqual(out.height, 3 + 7 + 3 + 20 + 3 + 20 + 3)

        let bands = (0..<2).compactMap { layout.columnLabelRect(column: $0) } + (0..<2).compactMap { layout.rowLabelRect(row: $0) }
        XCTAssertEqual(bands.count, 4)
        var inkPerBand = [Int](repeating: 0, count: 4)
        for y in 0..<out.height {
            for x in 0..<out.width {
                let pixel = Array(out.pixel(x: x, y: y))
                if pixel == [0, 0, 0] {
                    let band = bands.firstIndex { $0.contains(x: x, y: y) }
                    XCTAssertNotNil(band, "text pixel outside every label band at (\(x), \(y))")
                    if let band { inkPerBand[band] += 1 }
                } else if (0..<4).contains(where: { layout.tileRect(row: $0 / 2, column: $0 % 2).contains(x: x, y: y) }) {
                    XCTAssertEqual(pixel, gray)
                } else {
                    XCTAssertEqual(pixel, [255, 255, 255], "background at (\(x), \(y))")
                }
            }
        }
        for (index, ink) in inkPerBand.enumerated() { XCTAssertGreaterThan(ink, 5, "band \(index) has no text") }
    }

    func testColumnLabelIsCentredAndMatchesTheGlyphs() throws {
        let grid = ImageGrid(rows: 1, columns: 1, padding: 2, columnLabels: ["1"], labelScale: 2)
        let out = try grid.render([solid(20, 10, [128, 128, 128])])
        let band = try XCTUnwrap(try grid.layout(tileWidth: 20, tileHeight: 10).columnLabelRect(column: 0))
        XCTAssertEqual(band, PixelRect(x: 2, y: 2, width: 20, height: 14))
        let textWidth = BitmapFont.textWidth("1", scale: 2) // 10
        let left = band.x + (band.width - textWidth) / 2
        let glyph = BitmapFont.glyph(for: "1")
        for gy in 0..<14 {
            for gx in 0..<20 {
                let fx = (band.x + gx - left) / 2, fy = gy / 2
                let inGlyph = band.x + gx >= left && fx < 5 && (glyph[fy] >> (4 - fx)) & 1 == 1
                XCTAssertEqual(out[band.x + gx, band.y + gy, 0], inGlyph ? 0 : 255, "(\(gx), \(gy))")
            }
        }
    }

    func testLongLabelsAreCutToTheTileWidth() throws {
        let grid = ImageGrid(rows: 1, columns: 2, padding: 1, columnLabels: ["A VERY LONG LABEL", "OK"])
        XCTAssertEqual(grid.fitted("A VERY LONG LABEL", width: 12), "A") // "A V" needs 17 px; the space is trimmed
        XCTAssertEqual(grid.fitted("OK", width: 12), "OK")
        let out = try grid.render([solid(12, 8, [128, 128, 128]), solid(12, 8, [128, 128, 128])])
        let layout = try grid.layout(tileWidth: 12, tileHeight: 8)
        let first = try XCTUnwrap(layout.columnLabelRect(column: 0))
        let second = try XCTUnwrap(layout.columnLabelRect(column: 1))
        for y in 0..<out.height {
            for x in 0..<out.width where out[x, y, 0] == 0 {
                XCTAssertTrue(first.contains(x: x, y: y) || second.contains(x: x, y: y), "ink at (\(x), \(y))")
            }
        }
    }

    func testEmptyLabelsReserveNoBand() throws {
        let tile = solid(4, 4, [0, 0, 0])
        let plain = try ImageGrid(rows: 1, columns: 2, padding: 1).render([tile, tile])
        let blank = try ImageGrid(rows: 1, columns: 2, padding: 1, columnLabels: ["", ""], rowLabels: [""]).render([tile, tile])
        XCTAssertEqual(blank, plain)
        let oneLabel = try ImageGrid(rows: 1, columns: 2, padding: 1, columnLabels: ["", "X"]).render([tile, tile])
        XCTAssertEqual(oneLabel.height, plain.height + 7 + 1)
    }

    func testInvalidConfigurationsThrow() throws {
        let tile = solid(4, 4, [0, 0, 0])
        assertImageIOError(.invalidArgument) { try ImageGrid(rows: 1, columns: 2).render([tile, self.solid(5, 4, [0, 0, 0])]) }
        assertImageIOError(.invalidArgument) { try ImageGrid(rows: 1, columns: 1).render([tile, tile]) }
        assertImageIOError(.invalidArgument) { try ImageGrid(rows: 1, columns: 1).render([]) }
        assertImageIOError(.invalidArgument) { try ImageGrid(rows: 0, columns: 1).render([tile]) }
        assertImageIOError(.invalidArgument) { try ImageGrid(rows: 1, columns: 1, padding: -1).render([tile]) }
        assertImageIOError(.invalidArgument) { try ImageGrid(rows: 1, columns: 1, columnLabels: ["a", "b"]).render([tile]) }
        assertImageIOError(.invalidArgument) { try ImageGrid(rows: 1, columns: 1, rowLabels: ["a", "b"]).render([tile]) }
        assertImageIOError(.invalidArgument) { try ImageGrid(rows: 1, columns: 1, labelScale: 0).render([tile]) }
        let error = assertImageIOError(.invalidArgument) { try ImageGrid(rows: 1, columns: 2).render([tile, self.solid(4, 5, [0, 0, 0])]) }
        XCTAssertTrue(error?.description.contains("resize") ?? false)
    }

    func testMosaicWrapsIntoRows() throws {
        let tiles = (0..<5).map { patternImage(width: 3, height: 2, channels: 3, seed: $0) }
        let out = try ImageGrid.mosaic(tiles, columns: 2, padding: 0)
        XCTAssertEqual(out.width, 6)
        XCTAssertEqual(out.height, 6)
        XCTAssertEqual(Array(out.pixel(x: 0, y: 4)), Array(tiles[4].pixel(x: 0, y: 0)))
        XCTAssertEqual(Array(out.pixel(x: 3, y: 4)), [255, 255, 255])
        XCTAssertEqual(try ImageGrid.mosaic([tiles[0]], columns: 4, padding: 0), tiles[0])
    }

    func testFontTableIsWellFormed() {
        XCTAssertGreaterThanOrEqual(BitmapFont.glyphs.count, 26 + 10 + 12)
        for (character, rows) in BitmapFont.glyphs {
            XCTAssertEqual(rows.count, 7, "\(character)")
            XCTAssertTrue(rows.allSatisfy { $0 < 32 }, "\(character)")
            XCTAssertEqual(BitmapFont.art[character]?.count, 7 * 5 + 6, "\(character)")
        }
        for character in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:=+%()/[]" {
            XCTAssertTrue(BitmapFont.hasGlyph(for: character), "\(character)")
            XCTAssertNotEqual(BitmapFont.glyph(for: character), BitmapFont.glyph(for: " "), "\(character) is blank")
        }
        // Every letter and digit is distinguishable from every other.
        let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        XCTAssertEqual(Set(alphanumerics.map { BitmapFont.glyph(for: $0) }).count, alphanumerics.count)
        XCTAssertEqual(BitmapFont.glyph(for: "g"), BitmapFont.glyph(for: "G"))
        XCTAssertEqual(BitmapFont.glyph(for: "é"), BitmapFont.glyph(for: "?"))
        XCTAssertFalse(BitmapFont.hasGlyph(for: "é"))
        XCTAssertEqual(BitmapFont.textWidth(""), 0)
        XCTAssertEqual(BitmapFont.textWidth("AB"), 11)
        XCTAssertEqual(BitmapFont.textWidth("AB", scale: 3), 33)
    }
}
