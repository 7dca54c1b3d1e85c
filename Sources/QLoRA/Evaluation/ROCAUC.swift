/// Area under the ROC curve, as scikit-learn's `roc_auc_score` computes it for a binary task: the
/// probability that a random positive scores above a random negative, ties counting one half (the
/// Mann-Whitney U statistic over average ranks, equal to the trapezoidal area sklearn integrates).
public enum ROCAUC {
    /// nil when `positives` holds only one class (sklearn raises there).
    public static func binary(scores: [Double], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "ROCAUC.binary: \(scores.count) scores for \(positives.count) labels")
        let p = positives.filter { $0 }.count, n = positives.count - p
        guard p > 0, n > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for k in i...j where positives[order[k]] { rankSum += averageRank }
            i = j + 1
        }
        return (rankSum - Double(p) * Double(p + 1) / 2) / (Double(p) * Double(n))
    }
}
