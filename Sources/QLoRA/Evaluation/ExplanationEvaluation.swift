import Llama

/// The detector's explanations on HateXplain's harmful posts, against what its annotators marked:
/// plausibility (token and IOU F1 of harmful words vs the majority rationale, as HateXplain's
/// Table 4 reports), target groups, and faithfulness (ERASER's comprehensiveness and sufficiency).
public struct ExplanationEvaluation: Sendable {
    public var posts: Int
    public var rationale: RationaleScores
    public var groups: TargetGroupScores
    public var faithfulness: FaithfulnessScores
    /// Share of answers that name a label and, for a harmful label, all of their sections.
    public var wellFormed: Double

    /// Scores `records` (HateXplain posts, tokens joined by spaces; gold offensive or hate only, as
    /// the HateXplain paper scores rationales) under `mode`. The chat style is required: its answers
    /// carry the grounded harmful words and its label probabilities drive the faithfulness edits.
    public static func run(_ classifier: ExplainedClassifier, records: [ExplanationRecord], mode: BlendMode, maxNewTokens: Int,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> ExplanationEvaluation {
        guard classifier.promptStyle == .chat else {
            throw InferenceError(message: "explanation metrics need the chat prompt style, this classifier uses \(classifier.promptStyle.rawValue)")
        }
        let harmful = records.filter { $0.label.isHarmful }
        var masks: [(gold: [Bool], predicted: [Bool])] = [], groups: [(gold: [String], predicted: [String])] = []
        var edits: [(tokens: [String], rationale: [Bool])] = [], labels: [HateLabel] = []
        var complete = 0
        for (i, r) in harmful.enumerated() {
            let tokens = r.statement.split(separator: " ").map(String.init)
            let verdict = try classifier.classify(r.statement, mode: mode, options: GenerationOptions(maxNewTokens: maxNewTokens, sampler: .greedyDecoding))
            let answer = verdict.answers.first
            let label = answer?.label ?? .neutral
            if let answer, answer.label != nil, !label.isHarmful || (!answer.reason.isEmpty && answer.text.contains("Harmful Words:")) { complete += 1 }
            let predicted = RationaleMetrics.mask(tokens: tokens, harmfulWords: label.isHarmful ? (answer?.harmfulWords ?? []) : [])
            masks.append((RationaleMetrics.mask(tokens: tokens, harmfulWords: r.harmfulWords), predicted))
            groups.append((r.groups, label.isHarmful ? (answer?.groups ?? []) : []))
            edits.append((tokens, predicted))
            labels.append(label)
            progress(i + 1, harmful.count)
        }
        let faithfulness = try Faithfulness.score(edits) { post, text in
            // An edit that leaves nothing to read (every token marked) has no label distribution; the
            // empty statement carries no evidence, so its probability is the uniform one.
            guard !text.allSatisfy(\.isWhitespace) else { return 1 / Double(HateLabel.allCases.count) }
            return try classifier.labelProbabilities(text, mode: mode)[labels[post]] ?? 0
        }
        return ExplanationEvaluation(posts: harmful.count, rationale: RationaleMetrics.score(masks), groups: TargetGroupScores(groups),
                                     faithfulness: faithfulness, wellFormed: harmful.isEmpty ? 0 : Double(complete) / Double(harmful.count))
    }

    /// One Markdown table row per metric.
    public var markdown: String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        return """
            | metric | value |
            | --- | ---: |
            | posts (gold offensive or hate) | \(posts) |
            | harmful words: token precision / recall / F1 | \(f(rationale.tokenPrecision)) / \(f(rationale.tokenRecall)) / \(f(rationale.tokenF1)) |
            | harmful words: IOU F1 (span IOU >= 0.5) | \(f(rationale.iouF1)) |
            | affected groups: exact-set accuracy / micro F1 | \(f(groups.exactMatchAccuracy)) / \(f(groups.microF1)) |
            | faithfulness: comprehensiveness (higher is better) | \(f(faithfulness.comprehensiveness)) |
            | faithfulness: sufficiency (lower is better) | \(f(faithfulness.sufficiency)) |
            | answers with every section | \(f(wellFormed)) |

            """
    }
}
