/// Explanations and reasons for datasets that carry labels (and sometimes targets and
/// rationales) but no prose: written from what the annotations do say, so the model learns the
/// answer layout and ties its explanation to the annotated groups and words.
enum ExplanationTemplates {
    static func explanation(label: HateLabel, groups: [String]) -> String {
        let who = groups.isEmpty ? nil : groups.joined(separator: ", ")
        switch label {
        case .neutral:
            return "The statement does not insult, threaten or demean anyone for who they are, so it is neutral."
        case .offensive:
            if let who { return "The statement uses insulting or vulgar language that touches on \(who), which is offensive, but it does not call for harm against them." }
            return "The statement uses insulting or vulgar language, which is offensive, but it does not attack a group for who they are."
        case .hate:
            if let who { return "The statement attacks \(who) for who they are, using demeaning language that spreads contempt for them, so it is hateful." }
            return "The statement attacks a group for who they are, using demeaning language that spreads contempt for them, so it is hateful."
        }
    }

    static func reason(label: HateLabel, groups: [String]) -> String {
        guard label.isHarmful else { return "" }
        let who = groups.isEmpty ? "the people targeted" : groups.joined(separator: ", ")
        return label == .hate
            ? "The words dehumanise \(who) and reinforce prejudice against them."
            : "The words are insulting and degrading towards \(who)."
    }

    static func record(statement: String, label: HateLabel, groups: [String] = [], harmfulWords: [String] = [],
                       source: String, id: String) -> ExplanationRecord {
        ExplanationRecord(statement: statement, label: label, explanation: explanation(label: label, groups: groups),
                          groups: groups, harmfulWords: harmfulWords, reason: reason(label: label, groups: groups),
                          source: source, id: id)
    }
}
