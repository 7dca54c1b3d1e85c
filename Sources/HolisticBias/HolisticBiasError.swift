import Foundation

/// An error raised while reading HolisticBias inputs or writing outputs; always names the file,
/// and where known the line and the field at fault.
public struct HolisticBiasError: Error, CustomStringConvertible, Equatable {
    /// The file being read or written.
    public var file: String
    /// The 1-based line in `file`, when the problem has a position.
    public var line: Int?
    /// The JSON path or CSV column at fault, when there is one.
    public var field: String?
    /// What is wrong.
    public var message: String

    public init(file: String, line: Int? = nil, field: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    public var description: String {
        var where_ = file
        if let line { where_ += ":\(line)" }
        if let field { where_ += " field '\(field)'" }
        return "\(where_): \(message)"
    }
}
