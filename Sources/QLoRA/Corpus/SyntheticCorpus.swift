import Tensor

/// A labelled, explained corpus in the styles of the paper's three sources, generated from
/// `CorpusLexicon` with a seed: microblogs (short, @mentions, hashtags, lower case), niche forums
/// (longer, opinionated sentences with spaced punctuation as in the Stormfront data) and wiki
/// talk pages (section headings, signatures, editing vocabulary).
///
/// It is what the default bundle's base model and adapters are trained on, so that
/// `qlora infer` works on a fresh clone without any external data.
public enum SyntheticCorpus {
    public static let sources = ["microblogs", "forums", "wikitalk"]

    /// `perSource` records for each source, a third of each label, reproducible from `seed`.
    public static func generate(perSource: Int, seed: UInt64) -> [ExplanationRecord] {
        var rng = RandomGenerator(seed: seed)
        var records: [ExplanationRecord] = []
        for source in sources {
            for i in 0..<perSource {
                let label = HateLabel.allCases[i % 3]
                let group = pick(CorpusLexicon.groups, &rng)
                let statement: String, harmful: [String], groups: [String]
                switch label {
                case .hate:
                    let t = pick(CorpusLexicon.hate, &rng)
                    statement = fill(t.text, group)
                    harmful = t.harmful
                    groups = [group]
                case .offensive:
                    let t = pick(CorpusLexicon.offensive, &rng)
                    statement = t.text
                    harmful = t.harmful
                    groups = []
                case .neutral:
                    statement = fill(pick(CorpusLexicon.neutral, &rng), group)
                    harmful = []
                    groups = []
                }
                records.append(ExplanationTemplates.record(
                    statement: style(statement, source: source, rng: &rng), label: label, groups: groups,
                    harmfulWords: harmful, source: source, id: "synthetic-\(source)-\(i)"))
            }
        }
        return records
    }

    static func fill(_ template: String, _ group: String) -> String {
        var s = template.replacingOccurrences(of: "{G}", with: group)
        if template.hasPrefix("{G}"), let first = s.first { s = first.uppercased() + s.dropFirst() }
        return s
    }

    static func pick<T>(_ items: [T], _ rng: inout RandomGenerator) -> T { items[Int(rng.next() % UInt64(items.count))] }

    static func style(_ s: String, source: String, rng: inout RandomGenerator) -> String {
        switch source {
        case "microblogs":
            let mention = rng.next() % 2 == 0 ? "@\(pick(CorpusLexicon.users, &rng)) " : ""
            let tag = rng.next() % 2 == 0 ? " \(pick(CorpusLexicon.hashtags, &rng))" : ""
            return (rng.next() % 4 == 0 ? "RT " : "") + mention + s.lowercased() + tag
        case "forums":
            return pick(CorpusLexicon.forumOpeners, &rng) + s + pick(CorpusLexicon.forumClosers, &rng)
        default:
            let body = s.prefix(1).uppercased() + s.dropFirst() + "."
            return pick(CorpusLexicon.wikiOpeners, &rng) + body + pick(CorpusLexicon.wikiClosers, &rng)
        }
    }
}
