/// Accuracy, per-class precision / recall / F1, macro-F1 and the confusion matrix of a
/// three-way classifier, with the conventions of scikit-learn's `classification_report` for the
/// fixed label set [neutral, offensive, hate] (a class with no predictions has precision 0, and F1
/// is 0 where precision + recall is 0). An unparseable answer (`nil`) is a wrong prediction
/// of no class: it lowers recall and accuracy and is counted in its own column.
public struct ClassificationReport: Equatable, Sendable, Codable {
    public static let labels = HateLabel.allCases

    public var count: Int
    public var accuracy: Double
    public var macroF1: Double
    public var precision: [Double]
    public var recall: [Double]
    public var f1: [Double]
    /// confusion[true][predicted]; the last predicted column counts unparseable answers.
    public var confusion: [[Int]]

    public init(truth: [HateLabel], predicted: [HateLabel?]) {
        precondition(truth.count == predicted.count, "ClassificationReport: \(truth.count) labels, \(predicted.count) predictions")
        let labels = Self.labels
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: labels.count + 1), count: labels.count)
        for (t, p) in zip(truth, predicted) {
            let row = labels.firstIndex(of: t)!
            confusion[row][p.flatMap { labels.firstIndex(of: $0) } ?? labels.count] += 1
        }
        var precision: [Double] = [], recall: [Double] = [], f1: [Double] = []
        for k in labels.indices {
            let tp = Double(confusion[k][k])
            let predictedK = Double(confusion.reduce(0) { $0 + $1[k] })
            let trueK = Double(confusion[k].reduce(0, +))
            let p = predictedK > 0 ? tp / predictedK : 0
            let r = trueK > 0 ? tp / trueK : 0
            precision.append(p)
            recall.append(r)
            f1.append(p + r > 0 ? 2 * p * r / (p + r) : 0)
        }
        count = truth.count
        accuracy = truth.isEmpty ? 0 : Double(labels.indices.reduce(0) { $0 + confusion[$1][$1] }) / Double(truth.count)
        macroF1 = f1.reduce(0, +) / Double(labels.count)
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.confusion = confusion
    }
}
