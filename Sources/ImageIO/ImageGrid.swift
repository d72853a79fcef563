/// Composes equally sized tiles into a `rows` × `columns` mosaic with optional labels, e.g. inputs,
/// reconstructions and edits side by side.
///
/// Geometry (all in output pixels; `p` = `padding`, `t` = the label text height `7 * labelScale`):
/// - a margin of `p` on every side and `p` between neighbouring tiles;
/// - with column labels, a band of height `t` at the top (y = p), then `p` before the first tile row;
///   each column's label is centred over its tile; characters that do not fit in the tile width are dropped;
/// - with row labels, a band as wide as the widest row label at the left (x = p), then `p` before the first tile
///   column; each row's label is left-aligned and centred vertically on its row (clipped to the row's height);
/// - tile (r, c) is at x = left + c * (tileWidth + p), y = top + r * (tileHeight + p), row-major from `tiles`.
/// Cells without a tile stay `background`. The output is gray when every tile is gray and both colours are
/// gray, RGB otherwise; RGBA tiles are flattened by `tileAlpha`.
public struct ImageGrid: Equatable, Sendable {
    public var rows: Int
    public var columns: Int
    public var padding: Int
    public var background: Color8
    public var textColor: Color8
    /// Each font pixel becomes a `labelScale` × `labelScale` block.
    public var labelScale: Int
    /// Labels above columns 0, 1, ... (at most `columns`). The band exists when any label is non-empty.
    public var columnLabels: [String]
    /// Labels left of rows 0, 1, ... (at most `rows`). The band exists when any label is non-empty.
    public var rowLabels: [String]
    public var tileAlpha: AlphaHandling

    public init(rows: Int, columns: Int, padding: Int = 4,
                columnLabels: [String] = [], rowLabels: [String] = [],
                background: Color8 = .white, textColor: Color8 = .black, labelScale: Int = 1,
                tileAlpha: AlphaHandling = .overWhite) {
        self.rows = rows
        self.columns = columns
        self.padding = padding
        self.columnLabels = columnLabels
        self.rowLabels = rowLabels
        self.background = background
        self.textColor = textColor
        self.labelScale = labelScale
        self.tileAlpha = tileAlpha
    }

    /// Where everything goes for tiles of a given size.
    public struct Layout: Equatable, Sendable {
        public let width: Int
        public let height: Int
        public let tileWidth: Int
        public let tileHeight: Int
        public let rows: Int
        public let columns: Int
        let padding: Int
        let left: Int
        let top: Int
        let textHeight: Int
        let rowLabelWidth: Int
        let hasColumnLabels: Bool

        public func tileRect(row: Int, column: Int) -> PixelRect {
            PixelRect(x: left + column * (tileWidth + padding), y: top + row * (tileHeight + padding),
                      width: tileWidth, height: tileHeight)
        }

        /// The band a column's label is drawn in (nil without column labels).
        public func columnLabelRect(column: Int) -> PixelRect? {
            guard hasColumnLabels else { return nil }
            return PixelRect(x: tileRect(row: 0, column: column).x, y: padding, width: tileWidth, height: textHeight)
        }

        /// The band a row's label is drawn in (nil without row labels).
        public func rowLabelRect(row: Int) -> PixelRect? {
            guard rowLabelWidth > 0 else { return nil }
            return PixelRect(x: padding, y: tileRect(row: row, column: 0).y, width: rowLabelWidth, height: tileHeight)
        }
    }

    /// The layout for tiles of `tileWidth` × `tileHeight`; throws `.invalidArgument` for a bad configuration.
    public func layout(tileWidth: Int, tileHeight: Int) throws -> Layout {
        guard rows > 0, columns > 0 else {
            throw ImageIOError(.invalidArgument, "grid needs at least one row and column, not \(rows)x\(columns)")
        }
        guard padding >= 0, labelScale > 0, labelScale <= 64 else {
            throw ImageIOError(.invalidArgument, "grid padding must be >= 0 and label scale 1...64 (got \(padding), \(labelScale))")
        }
        guard tileWidth > 0, tileHeight > 0 else {
            throw ImageIOError(.invalidArgument, "grid tiles must have a positive size, not \(tileWidth)x\(tileHeight)")
        }
        guard columnLabels.count <= columns, rowLabels.count <= rows else {
            throw ImageIOError(.invalidArgument,
                               "\(columnLabels.count) column labels and \(rowLabels.count) row labels for a \(rows)x\(columns) grid")
        }
        let textHeight = BitmapFont.textHeight(scale: labelScale)
        let hasColumnLabels = columnLabels.contains { !$0.isEmpty }
        let rowLabelWidth = rowLabels.map { BitmapFont.textWidth($0, scale: labelScale) }.max() ?? 0
        let top = padding + (hasColumnLabels ? textHeight + padding : 0)
        let left = padding + (rowLabelWidth > 0 ? rowLabelWidth + padding : 0)
        // Overflow-checked: the configuration is caller input.
        func span(_ count: Int, _ tile: Int) -> Int? {
            let (tiles, o1) = count.multipliedReportingOverflow(by: tile)
            let (gaps, o2) = (count - 1).multipliedReportingOverflow(by: padding)
            guard !o1, !o2, tiles < Int(Int32.max), gaps < Int(Int32.max) else { return nil }
            return tiles + gaps
        }
        guard let across = span(columns, tileWidth), let down = span(rows, tileHeight) else {
            throw ImageIOError(.tooLarge, "a \(rows)x\(columns) grid of \(tileWidth)x\(tileHeight) tiles is too large")
        }
        return Layout(width: left + across + padding, height: top + down + padding,
                      tileWidth: tileWidth, tileHeight: tileHeight, rows: rows, columns: columns,
                      padding: padding, left: left, top: top, textHeight: textHeight,
                      rowLabelWidth: rowLabelWidth, hasColumnLabels: hasColumnLabels)
    }

    /// Composes `tiles` (row-major, at most rows × columns, all the same width and height; resize first).
    public func render(_ tiles: [RasterImage]) throws -> RasterImage {
        guard let first = tiles.first else { throw ImageIOError(.invalidArgument, "grid needs at least one tile") }
        guard tiles.count <= rows * columns else {
            throw ImageIOError(.invalidArgument, "\(tiles.count) tiles do not fit a \(rows)x\(columns) grid")
        }
        if let index = tiles.firstIndex(where: { $0.width != first.width || $0.height != first.height }) {
            throw ImageIOError(.invalidArgument,
                               "grid tile \(index) is \(tiles[index].width)x\(tiles[index].height) but tile 0 is \(first.width)x\(first.height); resize tiles to one size first")
        }
        let layout = try layout(tileWidth: first.width, tileHeight: first.height)
        let gray = tiles.allSatisfy { $0.channels == 1 } && background.isGray && textColor.isGray
        let channels = gray ? 1 : 3
        _ = try RasterImage.sampleCount(width: layout.width, height: layout.height, channels: channels)

        var canvas = RasterImage(unchecked: layout.width, layout.height, channels,
                                 Self.filled(layout.width * layout.height, with: background.samples(channels: channels)))
        for (index, tile) in tiles.enumerated() {
            let source = gray ? tile : tile.toRGB(alpha: tileAlpha)
            Self.blit(source, into: &canvas, at: layout.tileRect(row: index / columns, column: index % columns))
        }
        for (column, label) in columnLabels.enumerated() {
            guard let band = layout.columnLabelRect(column: column) else { continue }
            let text = fitted(label, width: band.width)
            let x = band.x + (band.width - BitmapFont.textWidth(text, scale: labelScale)) / 2
            BitmapFont.draw(text, into: &canvas, x: x, y: band.y, color: textColor, scale: labelScale, clip: band)
        }
        for (row, label) in rowLabels.enumerated() {
            guard let band = layout.rowLabelRect(row: row) else { continue }
            let y = band.y + (band.height - layout.textHeight) / 2
            BitmapFont.draw(label, into: &canvas, x: band.x, y: y, color: textColor, scale: labelScale, clip: band)
        }
        return canvas
    }

    /// A plain mosaic: `tiles` in rows of `columns`, as many rows as needed, no labels.
    public static func mosaic(_ tiles: [RasterImage], columns: Int, padding: Int = 4,
                              background: Color8 = .white) throws -> RasterImage {
        guard columns > 0 else { throw ImageIOError(.invalidArgument, "mosaic needs at least one column") }
        let rows = max(1, (tiles.count + columns - 1) / columns)
        return try ImageGrid(rows: rows, columns: min(columns, max(1, tiles.count)), padding: padding,
                             background: background).render(tiles)
    }

    /// The longest prefix of `label` (whole characters) that fits in `width` pixels, without trailing spaces
    /// (they would push a centred label off-centre).
    func fitted(_ label: String, width: Int) -> String {
        var text = label
        while !text.isEmpty, BitmapFont.textWidth(text, scale: labelScale) > width { text.removeLast() }
        while text.last == " " { text.removeLast() }
        return text
    }

    static func filled(_ count: Int, with samples: [UInt8]) -> [UInt8] {
        if samples.count == 1 { return [UInt8](repeating: samples[0], count: count) }
        var out = [UInt8]()
        out.reserveCapacity(count * samples.count)
        for _ in 0..<count { out.append(contentsOf: samples) }
        return out
    }

    static func blit(_ tile: RasterImage, into canvas: inout RasterImage, at rect: PixelRect) {
        let rowBytes = tile.width * tile.channels, canvasStride = canvas.rowStride, channels = canvas.channels
        tile.pixels.withUnsafeBufferPointer { src in
            canvas.withUnsafeMutableSamples { dst in
                for y in 0..<tile.height {
                    let to = dst.baseAddress! + (rect.y + y) * canvasStride + rect.x * channels
                    to.update(from: src.baseAddress! + y * rowBytes, count: rowBytes)
                }
            }
        }
    }
}
