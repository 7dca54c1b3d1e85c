import Foundation
import Llama

/// What the model said about a statement, parsed from its answer text.
public struct ExplainedAnswer: Equatable, Sendable, Codable {
    /// `nil` when the answer names no class the parser recognises.
    public var label: HateLabel?
    public var explanation: String
    public var groups: [String]
    public var harmfulWords: [String]
    public var reason: String
    /// The answer text the fields were read from, cut where run-on generation began a new turn.
    public var text: String

    enum CodingKeys: String, CodingKey {
        case label, explanation, groups, reason, text
        case harmfulWords = "harmful_words"
    }

    /// Reads the answer layouts of `PromptFormat`: the paper's "(1) Holistic Explanation:",
    /// "Classification:", "(2) Affected Groups:", "(3) Harmful Words:", "(4) Reason for Harm:", and
    /// the chat style's "Classification:", "Affected Groups:", "Harmful Words:", "Reason:".
    ///
    /// Models trained like the paper never learn to stop, so the text is cut at the first "###"
    /// (a new "###User:" turn), at the end of a chat turn, or at a second "(1) Holistic Explanation";
    /// sections may be missing or out of order; the label accepts "hate", "hateful", "hate speech",
    /// "offensive", "neutral", "normal" in any case, and is looked for in the whole answer when
    /// "Classification:" is absent.
    public init(parsing raw: String) {
        var text = raw
        for end in ["###", ChatTemplate.endOfTurn, ChatTemplate.startOfTurn] {
            if let turn = text.range(of: end) { text = String(text[..<turn.lowerBound]) }
        }
        let explanationMarker = "(1) Holistic Explanation:"
        if let first = text.range(of: explanationMarker),
           let again = text.range(of: explanationMarker, range: first.upperBound..<text.endIndex) {
            text = String(text[..<again.lowerBound])
        }
        self.text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // Unnumbered, so both layouts match; "(2)" and the like left at a section's end are cut below.
        let markers = ["Holistic Explanation:", "Classification:", "Affected Groups:", "Harmful Words:", "Reason for Harm:", "Reason:"]
        func section(_ marker: String) -> String? {
            guard let start = text.range(of: marker, options: .caseInsensitive) else { return nil }
            var end = text.endIndex
            for other in markers where other != marker {
                if let r = text.range(of: other, options: .caseInsensitive, range: start.upperBound..<text.endIndex), r.lowerBound < end {
                    end = r.lowerBound
                }
            }
            var body = text[start.upperBound..<end].trimmingCharacters(in: .whitespacesAndNewlines)
            if body.count >= 3, body.hasSuffix(")"), let open = body.lastIndex(of: "("),
               body[body.index(after: open)..<body.index(before: body.endIndex)].allSatisfy(\.isNumber) {
                body = String(body[..<open]).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return body
        }
        explanation = section("Holistic Explanation:") ?? ""
        label = Self.label(in: section("Classification:") ?? text)
        groups = Self.list(section("Affected Groups:"))
        harmfulWords = Self.list(section("Harmful Words:"))
        reason = section("Reason for Harm:") ?? section("Reason:") ?? ""
    }

    /// Reads the chat layout line by line, with the label the decoding forced (not one read from
    /// the text): a line that starts with "Affected Groups:", "Harmful Words:" or "Reason:" fills
    /// that field, the first such line winning, so marker-like text inside an item or the reason
    /// cannot move a field. A neutral answer's reason line is its explanation, as
    /// `PromptFormat.answer` writes it; a harmful one's is its reason.
    public init(chatAnswer raw: String, label: HateLabel) {
        var text = raw
        for end in [ChatTemplate.endOfTurn, ChatTemplate.startOfTurn] {
            if let turn = text.range(of: end) { text = String(text[..<turn.lowerBound]) }
        }
        self.text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        self.label = label
        var fields: [String: String] = [:]
        for line in self.text.split(separator: "\n", omittingEmptySubsequences: true) {
            for marker in ["Affected Groups:", "Harmful Words:", "Reason:"] where line.hasPrefix(marker) && fields[marker] == nil {
                fields[marker] = line.dropFirst(marker.count).trimmingCharacters(in: .whitespaces)
            }
        }
        groups = Self.list(fields["Affected Groups:"])
        harmfulWords = Self.list(fields["Harmful Words:"])
        let reasonLine = fields["Reason:"] ?? ""
        explanation = label.isHarmful ? "" : reasonLine
        reason = label.isHarmful ? reasonLine : ""
    }

    /// A section's items: split at commas, semicolons and line ends, trimmed of list decoration;
    /// a lone "none ..." is no items.
    static func list(_ s: String?) -> [String] {
        guard let s, !s.isEmpty else { return [] }
        let items = s.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\n" })
            .map { $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "-*\"'."))) }
            .filter { !$0.isEmpty }
        return items.count == 1 && items[0].lowercased().hasPrefix("none") ? [] : items
    }

    /// The first class word in `s`.
    static func label(in s: String) -> HateLabel? {
        let words = s.lowercased().split(whereSeparator: { !$0.isLetter })
        for w in words {
            switch w {
            case "hate", "hateful", "hatespeech": return .hate
            case "offensive": return .offensive
            case "neutral", "normal": return .neutral
            default: continue
            }
        }
        return nil
    }
}
