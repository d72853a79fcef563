import ArgumentParser
import Foundation
import Pipelines

extension GradStyleCommand {
    /// ArgumentParser's entry point, except that a failure is ONE line on standard error ("Error: …", naming the
    /// option or file) with ArgumentParser's exit code (64 for bad options): the usage text it appends to
    /// validation errors is left to `--help`, and a message that spans lines is joined into one.
    static func main() {
        ProcessStart.prepare(severalThreads: ThreadUse.maySpreadOverCores(Array(CommandLine.arguments.dropFirst())))
        do {
            var command = try parseAsRoot()
            try command.run()
            // Results printed to a full disk (or /dev/full) are lost: that is a failure, not a silent exit 0.
            if fflush(stdout) != 0 || ferror(stdout) != 0 {
                let reason = String(cString: strerror(errno))
                FileHandle.standardError.write(Data("Error: cannot write the results to standard output: \(reason)\n".utf8))
                Foundation.exit(1)
            }
        } catch let code as ExitCode {
            // A verb that already printed its per-file `error:` lines (align, invert, edit) only sets the status.
            InterruptCleanup.yieldToInterrupt()
            Foundation.exit(code.rawValue)
        } catch {
            // An interrupted run ends by its signal, not by the error its cleanup caused.
            InterruptCleanup.yieldToInterrupt()
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }  // --help, --version: printed as usual
            var text = fullMessage(for: error)
            for marker in ["\nHelp: ", "\nUsage: "] {
                if let range = text.range(of: marker) { text = String(text[..<range.lowerBound]) }
            }
            let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.joined(separator: " ")
            FileHandle.standardError.write(Data(((line.isEmpty ? "Error: \(error)" : line) + "\n").utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
