import Foundation
import Llama

/// The chat prompt for one statement as token ids, up to and including "Classification:", so that
/// the next token's distribution is the label's.
///
/// The template is encoded in segments: the instruction and turn markers with special tokens on,
/// the statement with them off, so a statement holding "<|im_end|>" or "<|im_start|>" stays text
/// inside the user's turn and cannot close it or open an assistant turn of its own.
public struct ChatPrompt {
    public let tokens: [Int]
    /// The statement as the model reads it: without leading and trailing whitespace (which the
    /// whole template's encoding would merge into the turn marker's newline, so cutting there
    /// keeps the segmented encoding equal to the whole one), and cut to what fits the context.
    public let statement: String
    /// Set when the statement was cut to fit.
    public let warning: String?

    /// `reservedTokens` is the room kept for the answer (the generation's token limit).
    public init(statement: String, tokenizer: Tokenizer, contextLength: Int, reservedTokens: Int) throws {
        guard let first = statement.firstIndex(where: { !$0.isWhitespace }),
              let last = statement.lastIndex(where: { !$0.isWhitespace }) else { throw StatementError.empty }
        let trimmed = statement[first...last]
        // A NUL-delimited marker cannot collide with the instruction, so the split is exact.
        let marker = "\u{0}statement\u{0}"
        let rendered = PromptFormat.prompt(statement: marker, style: .chat)
        let parts = rendered.components(separatedBy: marker)
        precondition(parts.count == 2, "ChatPrompt: the chat template must hold the statement once")
        let head = tokenizer.encode(parts[0], addBOS: true)
        let tail = tokenizer.encode(parts[1], addBOS: false) + tokenizer.encode(PromptFormat.chatLabelPrefix, addBOS: false)
        let budget = contextLength - reservedTokens - head.count - tail.count
        func encodeStatement(_ s: Substring) -> [Int] { tokenizer.encode(String(s), addBOS: false, parseSpecialTokens: false) }
        var body = encodeStatement(trimmed)
        var kept = trimmed
        var warning: String?
        if body.count > budget {
            guard budget > 0 else { throw StatementError.noRoomInContext(promptTokens: head.count + tail.count, contextLength: contextLength) }
            // The longest character prefix that fits: cutting whole characters keeps the kept text
            // a prefix of the statement, which token-level cuts (mid-character bytes) would not.
            var lo = 0, hi = trimmed.count
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if encodeStatement(trimmed.prefix(mid)).count <= budget { lo = mid } else { hi = mid - 1 }
            }
            kept = trimmed.prefix(lo)
            body = encodeStatement(kept)
            guard !body.isEmpty else { throw StatementError.noRoomInContext(promptTokens: head.count + tail.count, contextLength: contextLength) }
            warning = "the statement was cut to its first \(lo) of \(trimmed.count) characters (\(body.count) tokens) to fit the model's context of \(contextLength) positions with \(reservedTokens) kept for the answer"
        }
        tokens = head + body + tail
        self.statement = String(kept)
        self.warning = warning
    }
}
