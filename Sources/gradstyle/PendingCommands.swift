import ArgumentParser

/// Verbs whose capability has not landed yet. They fail clearly instead of producing anything fake.
struct NotAvailableYet: Error, CustomStringConvertible {
    let verb: String
    let issue: String
    var description: String { "'gradstyle \(verb)' is not available yet (it arrives with the \(issue) work)" }
}
