/// The linear baseline every model row is read against: scikit-learn TF-IDF (word 1-2 grams and
/// `char_wb` 2-5 grams, sublinear tf) + logistic regression, trained on our train split of the
/// dataset and scored on our full test split, by Scripts/fixtures/baseline_tfidf.py, which writes
/// the numbers into TfidfBaselineScores.swift. HateCheck has no train split: its baseline is
/// trained on the pooled davidson, stormfront and hatexplain train splits and flags a case when
/// it predicts offensive or hate.
public struct TfidfBaseline: Sendable {
    public var dataset: String
    public var trainedOn: String
    /// "balanced" or "none": the `class_weight` with the higher validation macro-F1.
    public var classWeight: String
    public var validationMacroF1: Double
    public var count: Int
    public var accuracy: Double
    public var macroF1: Double
    public var interval: BootstrapInterval
    /// Per class in `HateLabel.allCases` order.
    public var precision: [Double]
    public var recall: [Double]
    public var f1: [Double]
    public var support: [Int]
    /// confusion[gold][predicted], with the (empty) unparseable column of `ClassificationReport`.
    public var confusion: [[Int]]
    /// HateCheck only: pass rate per functionality.
    public var passRates: [String: Double]

    /// The baseline for `dataset`, if the script scored one.
    public static func scores(for dataset: String) -> TfidfBaseline? { all.first { $0.dataset == dataset } }

    /// The baseline's scores as a report of the same shape as a model's.
    public var report: ClassificationReport { ClassificationReport(confusion: confusion) }
}
