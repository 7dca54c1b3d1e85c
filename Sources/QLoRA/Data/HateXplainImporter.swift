import Foundation

/// HateXplain (Mathew et al., 2021) posts with annotator targets and rationales.
///
/// The label is the majority of the three annotators (hatespeech -> hate, offensive, normal ->
/// neutral; posts without a majority are left out). Affected groups are the targets named by at
/// least two annotators, harmful words the tokens marked by a majority of the rationales; U+FEFF
/// is removed from tokens. Only the published validation and test posts are available here
/// (`dataset_val_test.json`), so the published validation posts are our only training posts:
/// `DatasetCatalog` makes all of them the train split (carving its validation split out of them
/// by id hash) and keeps the published test posts as the test split.
public enum HateXplainImporter {
    public static let source = "hatexplain"

    /// The records, and the ids of the published test and validation posts ("hatexplain-" prefixed).
    public struct Split: Sendable {
        public var records: [ExplanationRecord]
        public var testIDs: Set<String>
        public var validationIDs: Set<String>
    }

    public static func load(dataset: URL, divisions: URL) throws -> Split {
        let posts = try jsonObject(dataset) as? [String: Any]
        guard let posts else { throw DatasetError(file: dataset.path, location: "top level", message: "expected an object keyed by post id") }
        guard let division = try jsonObject(divisions) as? [String: Any], let test = division["test"] as? [String],
              let validation = division["val"] as? [String] else {
            throw DatasetError(file: divisions.path, location: "top level", message: "expected an object with 'test' and 'val' arrays of post ids")
        }
        var records: [ExplanationRecord] = []
        for id in posts.keys.sorted() {
            guard let post = posts[id] as? [String: Any] else {
                throw DatasetError(file: dataset.path, location: "post \(id)", message: "expected an object")
            }
            if let r = try record(id: id, post: post, file: dataset.path) { records.append(r) }
        }
        return Split(records: records, testIDs: Set(test.map { "hatexplain-\($0)" }), validationIDs: Set(validation.map { "hatexplain-\($0)" }))
    }

    static func record(id: String, post: [String: Any], file: String) throws -> ExplanationRecord? {
        func fail(_ field: String, _ expected: String) -> DatasetError {
            DatasetError(file: file, location: "post \(id)", message: "field '\(field)': expected \(expected)")
        }
        guard let annotators = post["annotators"] as? [[String: Any]] else { throw fail("annotators", "an array of objects") }
        guard let rawTokens = post["post_tokens"] as? [String] else { throw fail("post_tokens", "an array of strings") }
        // A few posts carry a stray U+FEFF token; Foundation's JSON reader drops it on some platforms
        // and keeps it on others, so remove it explicitly to be the same everywhere.
        let tokens = rawTokens.map { $0.replacingOccurrences(of: "\u{FEFF}", with: "") }
        guard let rationales = post["rationales"] as? [[Int]] else { throw fail("rationales", "an array of 0/1 arrays") }
        var votes: [String: Int] = [:], targetVotes: [String: Int] = [:]
        for a in annotators {
            guard let l = a["label"] as? String else { throw fail("annotators.label", "a string") }
            votes[l, default: 0] += 1
            for t in Set(a["target"] as? [String] ?? []) where t != "None" { targetVotes[t, default: 0] += 1 }
        }
        guard let (top, n) = votes.max(by: { $0.value < $1.value }), n * 2 > annotators.count else { return nil }
        let label: HateLabel
        switch top {
        case "hatespeech": label = .hate
        case "offensive": label = .offensive
        case "normal": label = .neutral
        default: throw fail("annotators.label", "hatespeech, offensive or normal, got '\(top)'")
        }
        let groups = label.isHarmful ? targetVotes.filter { $0.value >= 2 }.keys.sorted() : []
        var words: [String] = []
        if label.isHarmful && !rationales.isEmpty {
            for r in rationales where r.count != tokens.count { throw fail("rationales", "one entry per token (\(tokens.count)), got \(r.count)") }
            for (i, t) in tokens.enumerated() where rationales.reduce(0, { $0 + $1[i] }) * 2 > rationales.count {
                words.append(t)
            }
        }
        return ExplanationTemplates.record(statement: tokens.joined(separator: " "), label: label, groups: groups,
                                           harmfulWords: words, source: source, id: "hatexplain-\(id)")
    }

    static func jsonObject(_ url: URL) throws -> Any {
        do { return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) } catch {
            throw DatasetError(file: url.path, location: "whole file", message: "not readable JSON: \(error.localizedDescription)")
        }
    }
}
