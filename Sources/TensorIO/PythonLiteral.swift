import Foundation

/// A Python literal as found in a `.npy` header, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }`.
/// numpy parses that header with `ast.literal_eval`; we parse the small subset it can contain with a strict
/// hand-written parser — nothing is evaluated.
indirect enum PythonLiteral: Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case string(String)
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(key: PythonLiteral, value: PythonLiteral)])

    static func == (a: PythonLiteral, b: PythonLiteral) -> Bool {
        switch (a, b) {
        case (.none, .none): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.tuple(x), .tuple(y)), let (.list(x), .list(y)): return x == y
        case let (.dict(x), .dict(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    struct Failure: Error { let message: String }

    static let maxDepth = 16

    /// Parses `text`, which must hold exactly one literal (surrounding whitespace allowed).
    static func parse(_ text: String) throws -> PythonLiteral {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.scalars.count else { throw parser.error("unexpected text after the literal") }
        return value
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0

        func error(_ message: String) -> Failure { Failure(message: "\(message) at character \(position)") }

        var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        mutating func skipWhitespace() {
            while let c = current, c == " " || c == "\t" || c == "\n" || c == "\r" { position += 1 }
        }

        mutating func value(depth: Int) throws -> PythonLiteral {
            guard depth < PythonLiteral.maxDepth else { throw error("literal nested too deeply") }
            guard let c = current else { throw error("unexpected end of header") }
            switch c {
            case "{": return try dict(depth: depth)
            case "(":
                let (items, sawComma) = try sequence(close: ")", depth: depth)
                // `(3)` is just the integer 3 in Python; only `(3,)` is a one-element tuple.
                if items.count == 1 && !sawComma { return items[0] }
                return .tuple(items)
            case "[": return .list(try sequence(close: "]", depth: depth).items)
            case "'", "\"": return .string(try string())
            case "-", "0"..."9": return .int(try integer())
            default:
                let word = identifier()
                switch word {
                case "True": return .bool(true)
                case "False": return .bool(false)
                case "None": return .none
                default: throw error(word.isEmpty ? "unexpected character '\(c)'" : "unexpected name '\(word)'")
                }
            }
        }

        mutating func identifier() -> String {
            var s = ""
            while let c = current, c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) {
                s.unicodeScalars.append(c)
                position += 1
            }
            return s
        }

        mutating func integer() throws -> Int {
            var text = ""
            if current == "-" { text = "-"; position += 1 }
            while let c = current, ("0"..."9").contains(c) { text.unicodeScalars.append(c); position += 1 }
            // Python 2 era headers may write longs as `3L`.
            if current == "L" { position += 1 }
            guard let v = Int(text) else { throw error("invalid or out-of-range integer '\(text)'") }
            return v
        }

        mutating func string() throws -> String {
            let quote = current!
            position += 1
            var s = ""
            while let c = current {
                position += 1
                if c == quote { return s }
                if c == "\\" {
                    guard let e = current else { break }
                    position += 1
                    switch e {
                    case "\\", "'", "\"": s.unicodeScalars.append(e)
                    case "n": s += "\n"
                    case "t": s += "\t"
                    default: throw error("unsupported escape '\\\(e)' in string")
                    }
                } else if c == "\n" {
                    throw error("newline in string")
                } else {
                    s.unicodeScalars.append(c)
                }
            }
            throw error("unterminated string")
        }

        /// Items up to `close`, allowing a trailing comma; reports whether any comma was seen.
        mutating func sequence(close: Unicode.Scalar, depth: Int) throws -> (items: [PythonLiteral], sawComma: Bool) {
            position += 1
            var items: [PythonLiteral] = []
            var sawComma = false
            while true {
                skipWhitespace()
                if current == close { position += 1; return (items, sawComma) }
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                if current == "," { position += 1; sawComma = true; continue }
                guard current == close else { throw error("expected ',' or '\(close)'") }
            }
        }

        mutating func dict(depth: Int) throws -> PythonLiteral {
            position += 1
            var pairs: [(key: PythonLiteral, value: PythonLiteral)] = []
            while true {
                skipWhitespace()
                if current == "}" { position += 1; return .dict(pairs) }
                let key = try value(depth: depth + 1)
                skipWhitespace()
                guard current == ":" else { throw error("expected ':'") }
                position += 1
                skipWhitespace()
                let v = try value(depth: depth + 1)
                guard !pairs.contains(where: { $0.key == key }) else { throw error("duplicate key") }
                pairs.append((key, v))
                skipWhitespace()
                if current == "," { position += 1; continue }
                skipWhitespace()
                guard current == "}" else { throw error("expected ',' or '}'") }
            }
        }
    }
}
