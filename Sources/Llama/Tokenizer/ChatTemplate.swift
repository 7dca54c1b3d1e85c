/// A chat model's prompt layout, for the ChatML family (`<|im_start|>role\ncontent<|im_end|>\n`)
/// that SmolLM2, Qwen and many instruct models ship.
///
/// Models carry their template as Jinja source (`tokenizer.chat_template`). Rather than run Jinja,
/// this recognises ChatML templates and the one variation that matters in practice: a default
/// system turn the template inserts when the conversation does not start with one (SmolLM2's
/// "You are a helpful AI assistant named SmolLM, ..."). Templates of other shapes give nil.
public struct ChatTemplate: Sendable, Equatable {
    /// One turn of a conversation.
    public struct Message: Sendable, Equatable {
        public var role: String
        public var content: String
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    /// The marker that opens a turn.
    public static let startOfTurn = "<|im_start|>"
    /// The marker that closes a turn; generation stops at its token.
    public static let endOfTurn = "<|im_end|>"

    /// The system turn inserted before a conversation that lacks one.
    public let defaultSystem: String?

    public init(defaultSystem: String? = nil) { self.defaultSystem = defaultSystem }

    /// The template described by Jinja `source`, when it is ChatML.
    public init?(jinja source: String) {
        guard source.contains(Self.startOfTurn), source.contains(Self.endOfTurn),
              source.contains("message['role']") || source.contains("message.role") else { return nil }
        var system: String?
        let marker = Self.startOfTurn + "system\n"
        if source.contains("!= 'system'") || source.contains("!= \"system\""), let start = source.range(of: marker),
           let end = source.range(of: Self.endOfTurn, range: start.upperBound..<source.endIndex) {
            let text = String(source[start.upperBound..<end.lowerBound])
            // Only a literal default counts; a template that splices in a variable is not understood.
            if !text.contains("{{") && !text.contains("'") && !text.contains("+") { system = text }
        }
        self.init(defaultSystem: system)
    }

    /// The conversation as the model reads it; with `addGenerationPrompt`, the opening of the
    /// assistant turn the model is to write.
    public func render(_ messages: [Message], addGenerationPrompt: Bool = true) -> String {
        var out = ""
        if let defaultSystem, messages.first?.role != "system" {
            out += Self.startOfTurn + "system\n" + defaultSystem + Self.endOfTurn + "\n"
        }
        for m in messages { out += Self.startOfTurn + m.role + "\n" + m.content + Self.endOfTurn + "\n" }
        if addGenerationPrompt { out += Self.startOfTurn + "assistant\n" }
        return out
    }
}
