import Foundation

/// The Pipelines layer's one error: a job that cannot run on its inputs (a dataset folder or file, a metric's
/// inputs, a distributed run's environment or a rank that died), phrased for the user in one line naming the file
/// or value. The CLI adds the flag names; lower layers have their own error types (TorchError, TensorIOError, …).
public struct PipelineError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
