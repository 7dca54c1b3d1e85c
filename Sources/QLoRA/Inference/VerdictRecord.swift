import Foundation

/// One answer of a verdict as JSON: the schema `qlora infer --json` prints and `qlora serve`
/// returns (`Sources/Serving/openapi.yaml` documents it). The explanation fields are null when the
/// statement was only labelled (`explain: false`); `label_probabilities` is null outside the chat
/// style, whose label comes after the explanation.
public struct VerdictRecord: Codable, Equatable, Sendable {
    public var label: String?
    public var labelProbabilities: [String: Double]?
    /// The router's probability for each source adapter.
    public var gates: [String: Double]
    /// The adapters the blend ran, with their weights.
    public var adaptersUsed: [String: Double]
    public var explanation: String?
    public var groups: [String]?
    public var harmfulWords: [String]?
    public var reason: String?
    /// Why the statement was read differently from how it was given (cut to fit the context).
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case label, gates, explanation, groups, reason, warnings
        case labelProbabilities = "label_probabilities"
        case adaptersUsed = "adapters_used"
        case harmfulWords = "harmful_words"
    }

    /// The record of `verdict`'s answer number `answer`, or of its label alone when it has no answers.
    public init(_ verdict: Verdict, answer: Int = 0) {
        let a = verdict.answers.indices.contains(answer) ? verdict.answers[answer] : nil
        label = (a.map(\.label) ?? verdict.label)?.rawValue
        labelProbabilities = verdict.labelProbabilities.map { p in Dictionary(uniqueKeysWithValues: p.map { ($0.key.rawValue, $0.value) }) }
        // A router trained on the same source twice is refused at load, so names are unique.
        gates = Dictionary(verdict.gates.map { ($0.name, $0.probability) }, uniquingKeysWith: +)
        adaptersUsed = Dictionary(verdict.adaptersUsed.map { ($0.name, $0.weight) }, uniquingKeysWith: +)
        explanation = a?.explanation
        groups = a?.groups
        harmfulWords = a?.harmfulWords
        reason = a?.reason
        warnings = verdict.warnings
    }

    /// Every answer of `verdict` (one record when it holds only a label).
    public static func all(_ verdict: Verdict) -> [VerdictRecord] {
        verdict.answers.isEmpty ? [VerdictRecord(verdict)] : verdict.answers.indices.map { VerdictRecord(verdict, answer: $0) }
    }

    /// Sorted keys, so the same verdict always prints the same bytes.
    public static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// One line of JSON; throws only for a non-finite number, which the detector refuses before.
    public func jsonLine() throws -> String { String(decoding: try Self.encoder.encode(self), as: UTF8.self) }
}
