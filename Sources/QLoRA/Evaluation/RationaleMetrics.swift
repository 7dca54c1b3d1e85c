/// Plausibility of predicted harmful words against gold token rationales, as ERASER (DeYoung et
/// al. 2020, "ERASER: A Benchmark to Evaluate Rationalized NLP Models", section 4.1) defines it
/// and HateXplain (Mathew et al. 2021, section 5) reports it: token-level precision, recall and F1,
/// and IOU F1, where a predicted span matches when its intersection over union with some gold span
/// is at least 0.5. Both are computed per post and averaged over posts (ERASER's
/// `score_hard_rationale_predictions` "instance macro" and `partial_match_score` "macro"; a post
/// with no predicted or no gold tokens scores 0 precision / recall on that side).
public struct RationaleScores: Equatable, Sendable {
    public var tokenPrecision: Double
    public var tokenRecall: Double
    public var tokenF1: Double
    public var iouF1: Double
}

public enum RationaleMetrics {
    /// ERASER's threshold for a partial span match.
    public static let iouThreshold = 0.5

    /// The positions of `tokens` that the predicted harmful words cover: each item (one or more
    /// words) marks every place its words occur as consecutive tokens, compared case-insensitively
    /// with punctuation at either end of a word ignored, since a copied word may have dropped it.
    public static func mask(tokens: [String], harmfulWords: [String]) -> [Bool] {
        let normalized = tokens.map(normalize)
        var marked = [Bool](repeating: false, count: tokens.count)
        for item in harmfulWords {
            let words = item.split(whereSeparator: \.isWhitespace).map { normalize(String($0)) }.filter { !$0.isEmpty }
            guard !words.isEmpty, words.count <= tokens.count else { continue }
            for start in 0...(tokens.count - words.count) where Array(normalized[start..<start + words.count]) == words {
                for i in start..<start + words.count { marked[i] = true }
            }
        }
        return marked
    }

    static func normalize(_ word: String) -> String {
        String(word.lowercased().drop(while: isEdge).reversed().drop(while: isEdge).reversed())
    }

    private static func isEdge(_ c: Character) -> Bool { c.isPunctuation || c.isSymbol }

    /// Maximal runs of marked positions, as half-open ranges.
    static func spans(_ mask: [Bool]) -> [Range<Int>] {
        var out: [Range<Int>] = [], start: Int?
        for (i, m) in (mask + [false]).enumerated() {
            if m, start == nil { start = i }
            if !m, let s = start {
                out.append(s..<i)
                start = nil
            }
        }
        return out
    }

    private static func f1(_ p: Double, _ r: Double) -> Double { p + r == 0 ? 0 : 2 * p * r / (p + r) }

    /// Scores over posts given (gold mask, predicted mask) pairs of equal lengths.
    public static func score(_ posts: [(gold: [Bool], predicted: [Bool])]) -> RationaleScores {
        precondition(posts.allSatisfy { $0.gold.count == $0.predicted.count }, "RationaleMetrics: gold and predicted masks must have the same length")
        guard !posts.isEmpty else { return RationaleScores(tokenPrecision: 0, tokenRecall: 0, tokenF1: 0, iouF1: 0) }
        var p = 0.0, r = 0.0, f = 0.0, iou = 0.0
        for (gold, predicted) in posts {
            let tp = Double(zip(gold, predicted).filter { $0 && $1 }.count)
            let nPred = Double(predicted.filter { $0 }.count), nGold = Double(gold.filter { $0 }.count)
            let tokenP = nPred > 0 ? tp / nPred : 0, tokenR = nGold > 0 ? tp / nGold : 0
            p += tokenP
            r += tokenR
            f += f1(tokenP, tokenR)
            let goldSpans = spans(gold), predSpans = spans(predicted)
            let matched = Double(predSpans.filter { s in
                goldSpans.contains { g in
                    let inter = max(0, min(s.upperBound, g.upperBound) - max(s.lowerBound, g.lowerBound))
                    let union = s.count + g.count - inter
                    return Double(inter) / Double(union) >= iouThreshold
                }
            }.count)
            let spanP = predSpans.isEmpty ? 0 : matched / Double(predSpans.count)
            let spanR = goldSpans.isEmpty ? 0 : matched / Double(goldSpans.count)
            iou += f1(spanP, spanR)
        }
        let n = Double(posts.count)
        return RationaleScores(tokenPrecision: p / n, tokenRecall: r / n, tokenF1: f / n, iouF1: iou / n)
    }
}
