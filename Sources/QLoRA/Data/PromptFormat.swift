import Llama

/// Which instruction precedes the statement.
public enum PromptStyle: String, CaseIterable, Sendable {
    /// The paper's full instruction (about 170 words).
    case paper
    /// A one-line instruction with the same answer layout, for models whose context cannot hold
    /// the paper's (stories260K's 512 positions, say).
    case compact
    /// ChatML turns for instruct models (SmolLM2): a system turn with the instruction, the statement
    /// alone as the user's turn, and an answer that starts with its label. The label first means one
    /// forward pass over the prompt gives the label probabilities, and the explanation that follows
    /// is conditioned on the label; the user's text sits in its own turn, apart from the instruction.
    case chat
}

/// The ExplainingHate prompt and answer layout, byte for byte as the paper's `train.py` and
/// `inference.py` write them.
public enum PromptFormat {
    /// The prompt in `style`: the paper's and the compact one end in `### Assistant:\n`, the chat
    /// one in the opening of the assistant's turn; the answer starts there.
    public static func prompt(statement: String, style: PromptStyle) -> String {
        switch style {
        case .paper: return prompt(statement: statement)
        case .compact: return "###User: Classify as neutral, offensive or hate and explain: '" + statement + "'\n### Assistant:\n"
        case .chat:
            return ChatTemplate(defaultSystem: nil).render([.init(role: "system", content: chatInstruction), .init(role: "user", content: statement)])
        }
    }

    /// The chat style's system turn.
    public static let chatInstruction = "Classify the user's statement as neutral, offensive or hate; for offensive or hate, name the affected groups, the harmful words and why."

    /// What the chat answer starts with; the label's first token follows it.
    public static let chatLabelPrefix = "Classification:"

    /// The instruction up to and including `### Assistant:\n`; the model's answer follows it.
    /// The trailing space after "hateful:" and the double space before "detailing" are the paper's.
    public static func prompt(statement: String) -> String {
        "###User: Categorize the following statement as offensive, neutral, or hateful: \n\n'" + statement
            + "'\n\nfollow this format with your response:\n\n(1) Holistic Explanation: Provide a brief explanation (up to 150 words) on why the statement falls into the chosen category. If neutral, explain why it's neutral. If it's offensive or hateful, summarize the harmful impact,  detailing its impact on each group mentioned.\n\nClassification: (neutral, offensive, hate)\n\nIf the statement is categorized as offensive or hateful, also include the following:\n\n(2) Affected Groups: List the group(s) most harmed by the statement.\n(3) Harmful Words: Identify specific harmful word(s) or phrase(s) directed at each group.\n(4) Reason for Harm: Briefly explain why the words are hurtful to each group.\n\n### Assistant:\n"
    }

    /// The answer in `style`'s layout; the chat answer ends the assistant's turn.
    public static func answer(_ r: ExplanationRecord, style: PromptStyle) -> String {
        guard style == .chat else { return answer(r) }
        var s = "\(chatLabelPrefix) \(r.label.rawValue)\n"
        if r.label.isHarmful {
            let groups = r.groups.isEmpty ? "none identified" : r.groups.joined(separator: ", ")
            let words = r.harmfulWords.isEmpty ? "none identified" : r.harmfulWords.joined(separator: ", ")
            s += "Affected Groups: \(groups)\nHarmful Words: \(words)\nReason: \(r.reason)"
        } else {
            s += "Reason: \(r.explanation)"
        }
        return s + ChatTemplate.endOfTurn
    }

    /// The answer in the layout the paper's prompt asks for; sections (2) to (4) only for harmful labels.
    public static func answer(_ r: ExplanationRecord) -> String {
        var s = "(1) Holistic Explanation: \(r.explanation)\n\nClassification: \(r.label.rawValue)\n"
        if r.label.isHarmful {
            let groups = r.groups.isEmpty ? "none identified" : r.groups.joined(separator: ", ")
            let words = r.harmfulWords.isEmpty ? "none identified" : r.harmfulWords.joined(separator: ", ")
            s += "\n(2) Affected Groups: \(groups)\n(3) Harmful Words: \(words)\n(4) Reason for Harm: \(r.reason)\n"
        }
        return s
    }

    /// The whole training text: prompt followed by answer.
    public static func trainingText(_ r: ExplanationRecord, style: PromptStyle = .paper) -> String {
        prompt(statement: r.statement, style: style) + answer(r, style: style)
    }
}
