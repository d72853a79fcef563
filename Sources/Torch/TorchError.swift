import CTorch
import Foundation

/// A libtorch failure (a shape mismatch, an unsupported dtype, …) turned into a Swift error.
public struct TorchError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// Runs `body`, turning libtorch failures inside it into a thrown `TorchError` instead of a trap.
///
/// Tensor operations do not throw: a failure outside such a scope is a bug in model code and traps with libtorch's
/// message. Inside the scope the first failure is recorded, the failing operation yields an undefined tensor, every
/// later operation on it fails quietly, and the first message is thrown when the body returns. Use it where user
/// input (a checkpoint, an image size) decides tensor shapes; code in the body should not branch on the shapes of
/// results that may have failed.
public func withTorchErrors<T>(_ body: () throws -> T) throws -> T {
    let scope = ErrorScope.push()
    defer { ErrorScope.pop(scope) }
    let result = try body()
    if let message = scope.firstError { throw TorchError(message) }
    return result
}

/// The per-thread stack of active `withTorchErrors` scopes.
final class ErrorScope {
    var firstError: String?
    private static let key = "gradstyle.torch.error-scopes"

    private static var stack: [ErrorScope] {
        get { Thread.current.threadDictionary[key] as? [ErrorScope] ?? [] }
        set { Thread.current.threadDictionary[key] = newValue }
    }

    static func push() -> ErrorScope {
        let s = ErrorScope()
        stack.append(s)
        return s
    }

    static func pop(_ scope: ErrorScope) {
        var s = stack
        if let i = s.lastIndex(where: { $0 === scope }) { s.remove(at: i) }
        stack = s
    }

    /// Records the shim's last error in the innermost scope; with none, hands it to `unscopedFailure` or traps.
    static func fail(_ what: @autoclosure () -> String = "") {
        let message = takeShimError() ?? "libtorch call failed"
        let full = what().isEmpty ? message : "\(what()): \(message)"
        if let scope = stack.last {
            if scope.firstError == nil { scope.firstError = full }
        } else if let handler = unscopedFailure.handler {
            handler(full)
        } else {
            fatalError("libtorch: \(full)")
        }
    }
}

/// What a libtorch failure outside every `withTorchErrors` scope does instead of trapping, when set: a rank of a
/// data-parallel job ends with one line. Collectives also run inside operations that cannot throw (synchronised
/// batch norm, forward and backward), where a peer that died is an operation's failure; the rank cannot go on, and
/// a crash report would hide the cause. Set once per process, before the operations run.
public final class UnscopedTorchFailure: @unchecked Sendable {
    public var handler: ((String) -> Never)?
}

public let unscopedFailure = UnscopedTorchFailure()

/// The first line of the shim's thread-local error message, clearing it.
func takeShimError() -> String? {
    guard let p = ct_last_error() else { return nil }
    let text = String(cString: p)
    ct_clear_error()
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return trimmed.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? trimmed
}

/// Checks a status code from an in-place shim call.
@inline(__always)
func check(_ status: Int32, _ what: @autoclosure () -> String = "") {
    if status < 0 { ErrorScope.fail(what()) }
}
