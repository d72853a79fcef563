/// Whether a command line may run libtorch on more than one thread, read from the raw arguments before parsing:
/// `ProcessStart` restarts the program to set OpenMP's wait policy only then, and the restart costs a second load
/// of libtorch (about half a second), which commands that compute nothing should not pay.
enum ThreadUse {
    /// Verbs (with their subverb) that only read and write files.
    static let computeNothing: [[String]] = [["inspect"], ["bundle"], ["directions", "list"]]

    /// False for `--threads 1`, help, version and the verbs above; true otherwise.
    static func maySpreadOverCores(_ arguments: [String]) -> Bool {
        if arguments.isEmpty || arguments.contains(where: { ["-h", "--help", "--version", "--threads=1"].contains($0) }) {
            return false
        }
        if zip(arguments, arguments.dropFirst()).contains(where: { $0 == "--threads" && $1 == "1" }) { return false }
        if arguments.first == "help" { return false }
        return !computeNothing.contains { arguments.starts(with: $0) }
    }
}
