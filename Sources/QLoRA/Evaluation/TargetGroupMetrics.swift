/// How well predicted affected groups match the annotated ones, compared case-insensitively as
/// sets per post: exact-set accuracy, and micro-averaged F1 over (post, group) pairs (scikit-learn's
/// `f1_score(average="micro")` on the multi-label indicator matrix).
public struct TargetGroupScores: Equatable, Sendable {
    public var exactMatchAccuracy: Double
    public var microF1: Double

    public init(_ posts: [(gold: [String], predicted: [String])]) {
        var exact = 0, tp = 0, nPred = 0, nGold = 0
        for (gold, predicted) in posts {
            let g = Set(gold.map { $0.lowercased() }), p = Set(predicted.map { $0.lowercased() })
            if g == p { exact += 1 }
            tp += g.intersection(p).count
            nPred += p.count
            nGold += g.count
        }
        exactMatchAccuracy = posts.isEmpty ? 0 : Double(exact) / Double(posts.count)
        microF1 = nPred + nGold == 0 ? 0 : 2 * Double(tp) / Double(nPred + nGold)
    }
}
