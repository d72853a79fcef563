import Foundation

/// A problem with a dataset's folder or files, phrased for the user in one line naming the file.
public struct DatasetError: Error, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
