/// A built-in 5×7 pixel font for labelling image grids (no font files, no text engine).
/// Covers printable ASCII: letters (lowercase drawn as uppercase), digits and punctuation; any other character
/// (including non-ASCII) draws as `?`. Each glyph cell is 6 pixels wide: 5 of glyph plus 1 of spacing.
public enum BitmapFont {
    public static let glyphWidth = 5
    public static let glyphHeight = 7
    /// Horizontal distance between the starts of consecutive characters, before scaling.
    public static let advance = 6

    /// Glyphs as 7 rows of 5 cells, `#` inked, `.` blank, rows separated by spaces.
    static let art: [Character: String] = [
        "A": ".###. #...# #...# ##### #...# #...# #...#",
        "B": "####. #...# #...# ####. #...# #...# ####.",
        "C": ".###. #...# #.... #.... #.... #...# .###.",
        "D": "####. #...# #...# #...# #...# #...# ####.",
        "E": "##### #.... #.... ####. #.... #.... #####",
        "F": "##### #.... #.... ####. #.... #.... #....",
        "G": ".###. #...# #.... #.### #...# #...# .####",
        "H": "#...# #...# #...# ##### #...# #...# #...#",
        "I": ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
        "J": "..### ...#. ...#. ...#. ...#. #..#. .##..",
        "K": "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
        "L": "#.... #.... #.... #.... #.... #.... #####",
        "M": "#...# ##.## #.#.# #.#.# #...# #...# #...#",
        "N": "#...# #...# ##..# #.#.# #..## #...# #...#",
        "O": ".###. #...# #...# #...# #...# #...# .###.",
        "P": "####. #...# #...# ####. #.... #.... #....",
        "Q": ".###. #...# #...# #...# #.#.# #..#. .##.#",
        "R": "####. #...# #...# ####. #.#.. #..#. #...#",
        "S": ".#### #.... #.... .###. ....# ....# ####.",
        "T": "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
        "U": "#...# #...# #...# #...# #...# #...# .###.",
        "V": "#...# #...# #...# #...# #...# .#.#. ..#..",
        "W": "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
        "X": "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
        "Y": "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
        "Z": "##### ....# ...#. ..#.. .#... #.... #####",
        "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
        "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
        "2": ".###. #...# ....# ...#. ..#.. .#... #####",
        "3": "####. ....# ....# .###. ....# ....# ####.",
        "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
        "5": "##### #.... ####. ....# ....# #...# .###.",
        "6": "..##. .#... #.... ####. #...# #...# .###.",
        "7": "##### ....# ...#. ..#.. .#... .#... .#...",
        "8": ".###. #...# #...# .###. #...# #...# .###.",
        "9": ".###. #...# #...# .#### ....# ...#. .##..",
        " ": "..... ..... ..... ..... ..... ..... .....",
        ".": "..... ..... ..... ..... ..... .##.. .##..",
        ",": "..... ..... ..... ..... .##.. ..#.. .#...",
        ":": "..... .##.. .##.. ..... .##.. .##.. .....",
        ";": "..... .##.. .##.. ..... .##.. ..#.. .#...",
        "-": "..... ..... ..... ##### ..... ..... .....",
        "_": "..... ..... ..... ..... ..... ..... #####",
        "=": "..... ..... ##### ..... ##### ..... .....",
        "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
        "%": "##... ##..# ...#. ..#.. .#... #..## ...##",
        "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.",
        ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
        "[": ".###. .#... .#... .#... .#... .#... .###.",
        "]": ".###. ...#. ...#. ...#. ...#. ...#. .###.",
        "{": "...## ..#.. ..#.. .#... ..#.. ..#.. ...##",
        "}": "##... ..#.. ..#.. ...#. ..#.. ..#.. ##...",
        "/": "..... ....# ...#. ..#.. .#... #.... .....",
        "\\": "..... #.... .#... ..#.. ...#. ....# .....",
        "|": "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
        "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
        "!": "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
        "'": "..#.. ..#.. .#... ..... ..... ..... .....",
        "\"": ".#.#. .#.#. ..... ..... ..... ..... .....",
        "`": ".#... ..#.. ..... ..... ..... ..... .....",
        "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
        "*": "..... ..#.. #.#.# .###. #.#.# ..#.. .....",
        "<": "...#. ..#.. .#... #.... .#... ..#.. ...#.",
        ">": ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
        "&": ".##.. #..#. #.#.. .#... #.#.# #..#. .##.#",
        "@": ".###. #...# #.### #.#.# #.### #.... .####",
        "^": "..#.. .#.#. #...# ..... ..... ..... .....",
        "~": "..... ..... .#... #.#.# ...#. ..... .....",
        "$": "..#.. .#### #.#.. .###. ..#.# ####. ..#..",
    ]

    /// Parsed glyphs: 7 row masks per character, bit 4 = leftmost column.
    static let glyphs: [Character: [UInt8]] = art.mapValues { text in
        text.split(separator: " ").map { row in
            row.reduce(UInt8(0)) { mask, cell in (mask << 1) | (cell == "#" ? 1 : 0) }
        }
    }

    /// The 7 row masks drawn for `character` (bit 4 is the leftmost column).
    public static func glyph(for character: Character) -> [UInt8] {
        glyphs[canonical(character)]!
    }

    /// Whether `character` has its own glyph (after mapping lowercase to uppercase) rather than `?`.
    public static func hasGlyph(for character: Character) -> Bool {
        glyphs[canonical(character, fallback: false)] != nil
    }

    static func canonical(_ character: Character, fallback: Bool = true) -> Character {
        if character.isASCII, character.isLowercase, let upper = character.uppercased().first { return upper }
        if character == "\t" || character == "\n" || character == "\r" { return " " }
        if glyphs[character] != nil || !fallback { return character }
        return "?"
    }

    /// Width in pixels of `text` drawn at `scale` (no trailing spacing); 0 for empty text.
    public static func textWidth(_ text: String, scale: Int = 1) -> Int {
        text.isEmpty ? 0 : (text.count * advance - 1) * scale
    }

    /// Height in pixels of a line at `scale`.
    public static func textHeight(scale: Int = 1) -> Int { glyphHeight * scale }

    /// Draws `text` with its top-left corner at (x, y), each font pixel a `scale`×`scale` block of `color`;
    /// nothing is drawn outside `clip` (nor outside the image).
    public static func draw(_ text: String, into image: inout RasterImage, x: Int, y: Int,
                            color: Color8, scale: Int = 1, clip: PixelRect? = nil) {
        let bounds = PixelRect(x: 0, y: 0, width: image.width, height: image.height)
        let area = clip.map { $0.intersection(bounds) } ?? bounds
        guard scale > 0, !area.isEmpty else { return }
        let samples = color.samples(channels: image.channels)
        let channels = image.channels, width = image.width
        image.withUnsafeMutableSamples { pixels in
            for (index, character) in text.enumerated() {
                let left = x + index * advance * scale
                for (row, mask) in glyph(for: character).enumerated() where mask != 0 {
                    for column in 0..<glyphWidth where mask & (0x10 >> UInt8(column)) != 0 {
                        let block = PixelRect(x: left + column * scale, y: y + row * scale, width: scale, height: scale)
                            .intersection(area)
                        for py in block.y..<block.y + block.height {
                            for px in block.x..<block.x + block.width {
                                let base = (py * width + px) * channels
                                for c in 0..<channels { pixels[base + c] = samples[c] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An opaque 8-bit colour, written into gray images as its BT.601 luma.
public struct Color8: Equatable, Hashable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public init(gray: UInt8) { self.init(red: gray, green: gray, blue: gray) }

    public static let white = Color8(gray: 255)
    public static let black = Color8(gray: 0)

    public var isGray: Bool { red == green && green == blue }

    /// The samples of this colour in an image with `channels` channels (alpha 255 for RGBA).
    public func samples(channels: Int) -> [UInt8] {
        switch channels {
        case 1: return [RasterImage.luma(red, green, blue)]
        case 3: return [red, green, blue]
        default: return [red, green, blue, 255]
        }
    }
}

/// An axis-aligned rectangle of pixels: columns x..<x+width, rows y..<y+height.
public struct PixelRect: Equatable, Hashable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var isEmpty: Bool { width <= 0 || height <= 0 }

    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < x + width && py >= y && py < y + height
    }

    /// The overlap with `other`; empty (zero size) when they do not overlap.
    public func intersection(_ other: PixelRect) -> PixelRect {
        let left = max(x, other.x), top = max(y, other.y)
        let right = min(x + width, other.x + other.width), bottom = min(y + height, other.y + other.height)
        return PixelRect(x: left, y: top, width: max(0, right - left), height: max(0, bottom - top))
    }
}
