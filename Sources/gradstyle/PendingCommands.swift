import ArgumentParser

/// Verbs whose capability has not landed yet. They fail clearly instead of producing anything fake.
struct NotAvailableYet: Error, CustomStringConvertible {
    let verb: String
    let issue: String
    var description: String { "'gradstyle \(verb)' is not available yet (it arrives with the \(issue) work)" }
}

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Invert and edit held-out faces with the bundled model.")
    @OptionGroup var global: GlobalOptions
    func run() throws {
        print("gradstyle demo: no bundled model yet — the synthetic-faces default model has not landed.")
        print("What works today: `gradstyle inspect FILE` and `gradstyle bench engine`.")
    }
}
