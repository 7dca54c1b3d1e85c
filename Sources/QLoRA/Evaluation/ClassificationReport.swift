/// Accuracy, per-class precision / recall / F1, macro-F1 and the confusion matrix of a
/// three-way classifier, with scikit-learn's conventions (`precision_recall_fscore_support`,
/// `zero_division=0`): a class with no predictions has precision 0, and F1 is 0 where precision +
/// recall is 0. An unparseable answer (`nil`) is a wrong prediction of no class: it lowers recall
/// and accuracy and is counted in its own column.
///
/// Macro-F1 averages the classes that occur in the gold labels or the predictions (scikit-learn's
/// `f1_score(average="macro")` default), so a dataset without an offensive class (Stormfront,
/// HateCheck) is not scored as if the detector had failed on one.
public struct ClassificationReport: Equatable, Sendable, Codable {
    public static let labels = HateLabel.allCases

    public var count: Int
    public var accuracy: Double
    public var macroF1: Double
    /// The classes macro-F1 averages over, in `labels` order.
    public var averagedClasses: [HateLabel]
    public var precision: [Double]
    public var recall: [Double]
    public var f1: [Double]
    /// Gold records per class.
    public var support: [Int]
    /// confusion[gold][predicted]; the last predicted column counts unparseable answers.
    public var confusion: [[Int]]

    public init(truth: [HateLabel], predicted: [HateLabel?]) {
        precondition(truth.count == predicted.count, "ClassificationReport: \(truth.count) labels, \(predicted.count) predictions")
        let labels = Self.labels
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: labels.count + 1), count: labels.count)
        for (t, p) in zip(truth, predicted) {
            confusion[Self.index(t)][p.map(Self.index) ?? labels.count] += 1
        }
        self.init(confusion: confusion)
    }

    /// The report of a confusion matrix, confusion[gold][predicted] with the unparseable column last.
    public init(confusion: [[Int]]) {
        let labels = Self.labels
        var precision: [Double] = [], recall: [Double] = [], f1: [Double] = [], support: [Int] = [], present: [HateLabel] = []
        for k in labels.indices {
            let tp = Double(confusion[k][k])
            let predictedK = confusion.reduce(0) { $0 + $1[k] }
            let trueK = confusion[k].reduce(0, +)
            let p = predictedK > 0 ? tp / Double(predictedK) : 0
            let r = trueK > 0 ? tp / Double(trueK) : 0
            precision.append(p)
            recall.append(r)
            f1.append(p + r > 0 ? 2 * p * r / (p + r) : 0)
            support.append(trueK)
            if predictedK > 0 || trueK > 0 { present.append(labels[k]) }
        }
        let averaged = present
        count = support.reduce(0, +)
        accuracy = count == 0 ? 0 : Double(labels.indices.reduce(0) { $0 + confusion[$1][$1] }) / Double(count)
        macroF1 = averaged.isEmpty ? 0 : averaged.reduce(0) { $0 + f1[Self.index($1)] } / Double(averaged.count)
        averagedClasses = averaged
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
        self.confusion = confusion
    }

    static func index(_ label: HateLabel) -> Int { labels.firstIndex(of: label)! }
}
