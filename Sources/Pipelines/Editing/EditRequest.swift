/// An edit to apply: `NAME:STRENGTH`, or a sweep `NAME:MIN:MAX:STEPS` (one image per strength, shown as a strip).
public struct EditRequest: Equatable {
    public var name: String
    public var strengths: [Double]
    public var isSweep: Bool

    /// Text that is not an edit; `reason` says what was expected.
    public struct Invalid: Error, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "invalid edit '\(text)': \(reason)" }
    }

    /// `smile:1.5`, `ganspace:46:4:5:-20` (the last field is the strength).
    public static func parse(_ text: String) throws -> EditRequest {
        guard let colon = text.lastIndex(of: ":"), let s = Double(text[text.index(after: colon)...]), s.isFinite else {
            throw Invalid(text: text, reason: "expected NAME:STRENGTH, e.g. smile:1.5")
        }
        let name = String(text[..<colon])
        guard !name.isEmpty else { throw Invalid(text: text, reason: "empty name") }
        return EditRequest(name: name, strengths: [s], isSweep: false)
    }

    /// `age:-3:3:7` → 7 strengths from −3 to 3.
    public static func parseSweep(_ text: String) throws -> EditRequest {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 4, let lo = Double(parts[parts.count - 3]), let hi = Double(parts[parts.count - 2]),
              let steps = Int(parts[parts.count - 1]), steps >= 2, steps <= 64, lo.isFinite, hi.isFinite else {
            throw Invalid(text: text, reason: "expected NAME:MIN:MAX:STEPS with 2 ≤ STEPS ≤ 64")
        }
        let name = parts.dropLast(3).joined(separator: ":")
        let values = (0..<steps).map { lo + (hi - lo) * Double($0) / Double(steps - 1) }
        return EditRequest(name: name, strengths: values, isSweep: true)
    }
}
