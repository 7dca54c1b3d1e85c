import Foundation

/// A tokenizer file that could not be read, naming the file and the field at fault.
public struct TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (path or caller-given name) being read.
    public let file: String
    /// The field or section of the format that is wrong, such as `ModelProto.pieces[3].score`.
    public let field: String
    /// What is wrong with it.
    public let reason: String

    public init(file: String, field: String, reason: String) {
        self.file = file
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(file): \(field): \(reason)" }
}
