extension Int {
    /// The number with thousands separated by commas ("1,234,567"), for counts shown to people.
    public var grouped: String {
        let s = String(Swift.abs(self))
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0, i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (self < 0 ? "-" : "") + String(out.reversed())
    }
}
