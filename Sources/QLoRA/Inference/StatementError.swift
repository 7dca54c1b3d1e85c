/// A statement the chat detector refuses before running the model.
public enum StatementError: Error, Equatable, CustomStringConvertible {
    /// Nothing but whitespace: there is nothing to classify.
    case empty
    /// Even a one-character statement leaves no room for the answer in the model's context.
    case noRoomInContext(promptTokens: Int, contextLength: Int)

    public var description: String {
        switch self {
        case .empty: return "the statement is empty or only whitespace; there is nothing to classify"
        case .noRoomInContext(let p, let c):
            return "the chat prompt alone is \(p) tokens and the answer needs room too, but the model's context holds \(c)"
        }
    }
}
