import Foundation

/// A failure the user can act on: printed as one line, exit code 1.
public struct ToolError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Progress and diagnostics go to standard error so standard output stays machine-readable.
public func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
