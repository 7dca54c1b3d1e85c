/// Faithfulness of predicted harmful words to the model's own decision, as ERASER (DeYoung et al.
/// 2020, section 4.2) defines it for a post x, rationale r and predicted label j:
/// comprehensiveness = m(x)_j - m(x \ r)_j (how much the label's probability falls when the
/// rationale is deleted) and sufficiency = m(x)_j - m(r)_j (how much it falls when only the
/// rationale is kept); higher comprehensiveness and lower sufficiency are more faithful.
public struct FaithfulnessScores: Equatable, Sendable {
    public var comprehensiveness: Double
    public var sufficiency: Double
}

public enum Faithfulness {
    /// The post with the masked tokens deleted (x \ r) and with only them kept (r), tokens joined
    /// by single spaces as HateXplain's posts are.
    public static func edits(tokens: [String], rationale: [Bool]) -> (without: String, only: String) {
        precondition(tokens.count == rationale.count, "Faithfulness.edits: one mask entry per token")
        let pairs = zip(tokens, rationale)
        return (pairs.filter { !$1 }.map(\.0).joined(separator: " "), pairs.filter { $1 }.map(\.0).joined(separator: " "))
    }

    /// Means over posts; `probability(text)` is the model's probability of the post's predicted
    /// label for `text` (for the chat detector, `ExplainedClassifier.labelProbabilities`).
    public static func score(_ posts: [(tokens: [String], rationale: [Bool])],
                             probability: (_ post: Int, _ text: String) throws -> Double) rethrows -> FaithfulnessScores {
        guard !posts.isEmpty else { return FaithfulnessScores(comprehensiveness: 0, sufficiency: 0) }
        var comprehensiveness = 0.0, sufficiency = 0.0
        for (i, post) in posts.enumerated() {
            let full = try probability(i, post.tokens.joined(separator: " "))
            let (without, only) = edits(tokens: post.tokens, rationale: post.rationale)
            comprehensiveness += full - (try probability(i, without))
            sufficiency += full - (try probability(i, only))
        }
        return FaithfulnessScores(comprehensiveness: comprehensiveness / Double(posts.count), sufficiency: sufficiency / Double(posts.count))
    }
}
