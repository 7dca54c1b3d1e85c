import Foundation
import Llama

/// Runs the detector over labelled statements and scores it.
public enum Evaluation {
    /// One row of the results table: a dataset, a blend mode (or a baseline) and its scores.
    public struct Result: Codable, Sendable {
        public var dataset: String
        public var mode: String
        public var report: ClassificationReport
        /// The 95% percentile-bootstrap interval of macro-F1.
        public var interval: BootstrapInterval
        /// Nil for baselines, which are not timed here.
        public var secondsPerStatement: Double?
        /// ROC AUC of flagging (gold offensive or hate) by P(offensive) + P(hate), when the detector
        /// gives label probabilities (the chat style) and both gold sides occur.
        public var flagAUROC: Double?

        public init(dataset: String, mode: String, report: ClassificationReport, interval: BootstrapInterval, secondsPerStatement: Double?) {
            self.dataset = dataset
            self.mode = mode
            self.report = report
            self.interval = interval
            self.secondsPerStatement = secondsPerStatement
        }

        /// Scores `predicted` against `truth`, with the seeded 1,000-resample bootstrap.
        public init(dataset: String, mode: String, truth: [HateLabel], predicted: [HateLabel?], secondsPerStatement: Double?) throws {
            self.init(dataset: dataset, mode: mode, report: ClassificationReport(truth: truth, predicted: predicted),
                      interval: try BootstrapInterval.macroF1(truth: truth, predicted: predicted,
                                                              resamples: BootstrapInterval.resampleIndices(count: truth.count)),
                      secondsPerStatement: secondsPerStatement)
        }
    }

    /// HateCheck scored as a binary task (gold hateful or not, against flagged or not) and per functionality.
    public struct HateCheckResult: Sendable {
        /// Gold hateful is `hate`, non-hateful `neutral`; a flagged answer (offensive or hate) is
        /// `hate`, any other answer, unparseable ones included, `neutral`. Accuracy is the overall pass rate.
        public var result: Result
        public var passRates: [String: (passed: Int, total: Int)]
    }

    /// The majority-class row for `records`: every answer is `label`, the train split's most common.
    public static func majority(_ label: HateLabel, records: [ExplanationRecord], dataset: String) throws -> Result {
        try Result(dataset: dataset, mode: "majority class (\(label.rawValue))", truth: records.map(\.label),
                   predicted: records.map { _ in label }, secondsPerStatement: nil)
    }

    /// What to evaluate: a blend mode under the router, or one source adapter alone.
    public enum Setting: Sendable, Equatable {
        case blend(BlendMode)
        case adapter(String)

        /// A blend mode's name, or the name of one of `sources`; nil for anything else.
        public init?(_ name: String, sources: [String]) {
            if let mode = BlendMode(rawValue: name) { self = .blend(mode) } else if sources.contains(name) { self = .adapter(name) } else { return nil }
        }

        public var name: String {
            switch self {
            case .blend(let mode): return mode.rawValue
            case .adapter(let name): return name
            }
        }
    }

    /// Greedy answers for `records` under `mode`, scored against their labels.
    public static func run(_ classifier: ExplainedClassifier, records: [ExplanationRecord], dataset: String, mode: BlendMode,
                           maxNewTokens: Int, progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        try run(classifier, records: records, dataset: dataset, setting: .blend(mode), maxNewTokens: maxNewTokens, progress: progress)
    }

    /// Greedy answers for `records` under `setting`, scored against their labels. A single adapter
    /// runs as `top1` with all the gate weight on it, bypassing the router.
    /// `onPrediction` sees every record's answer and label distribution (nil outside the chat style).
    public static func run(_ classifier: ExplainedClassifier, records: [ExplanationRecord], dataset: String, setting: Setting,
                           maxNewTokens: Int, progress: (Int, Int) -> Void = { _, _ in },
                           onPrediction: (ExplanationRecord, HateLabel?, [HateLabel: Double]?) -> Void = { _, _, _ in }) throws -> Result {
        let (mode, gates) = try resolve(setting, classifier)
        var predicted: [HateLabel?] = [], flagScores: [Double] = []
        let start = Date()
        for (i, r) in records.enumerated() {
            let (label, probabilities) = try classifier.label(r.statement, mode: mode, gates: gates, maxNewTokens: maxNewTokens)
            onPrediction(r, label, probabilities)
            predicted.append(label)
            if let probabilities { flagScores.append((probabilities[.offensive] ?? 0) + (probabilities[.hate] ?? 0)) }
            progress(i + 1, records.count)
        }
        var result = try Result(dataset: dataset, mode: setting.name, truth: records.map(\.label), predicted: predicted,
                                secondsPerStatement: Date().timeIntervalSince(start) / Double(max(records.count, 1)))
        if flagScores.count == records.count { result.flagAUROC = ROCAUC.binary(scores: flagScores, positives: records.map(\.label.isHarmful)) }
        return result
    }

    /// The blend mode and gate override that `setting` runs as.
    static func resolve(_ setting: Setting, _ classifier: ExplainedClassifier) throws -> (BlendMode, [Double]?) {
        switch setting {
        case .blend(let mode): return (mode, nil)
        case .adapter(let name):
            let sources = classifier.mixer.sources.map(\.name)
            guard sources.contains(name) else {
                throw AdapterError(file: "evaluation", field: name, message: "no source adapter named \(name); have \(sources.joined(separator: ", "))")
            }
            return (.top1, sources.map { $0 == name ? 1 : 0 })
        }
    }

    /// HateCheck under `mode`.
    public static func hateCheck(_ classifier: ExplainedClassifier, cases: [HateCheckCase], mode: BlendMode, maxNewTokens: Int,
                                 progress: (Int, Int) -> Void = { _, _ in }) throws -> HateCheckResult {
        try hateCheck(classifier, cases: cases, setting: .blend(mode), maxNewTokens: maxNewTokens, progress: progress)
    }

    /// HateCheck under `setting` (a blend mode or one adapter alone): a case passes when the
    /// detector flags it (hate or offensive) exactly when it is gold hateful (HateCheck has no
    /// offensive class).
    public static func hateCheck(_ classifier: ExplainedClassifier, cases: [HateCheckCase], setting: Setting, maxNewTokens: Int,
                                 progress: (Int, Int) -> Void = { _, _ in }) throws -> HateCheckResult {
        let (mode, gates) = try resolve(setting, classifier)
        var table: [String: (passed: Int, total: Int)] = [:]
        var flags: [HateLabel?] = []
        let start = Date()
        for (i, c) in cases.enumerated() {
            let flagged = try classifier.label(c.text, mode: mode, gates: gates, maxNewTokens: maxNewTokens).0.map(\.isHarmful) ?? false
            flags.append(flagged ? .hate : .neutral)
            var entry = table[c.functionality] ?? (0, 0)
            entry.total += 1
            if flagged == c.hateful { entry.passed += 1 }
            table[c.functionality] = entry
            progress(i + 1, cases.count)
        }
        let result = try Result(dataset: HateCheckImporter.source, mode: setting.name, truth: cases.map(\.record.label), predicted: flags,
                                secondsPerStatement: Date().timeIntervalSince(start) / Double(max(cases.count, 1)))
        return HateCheckResult(result: result, passRates: table)
    }

    /// The results as a Markdown table: accuracy, macro-F1 with its 95% bootstrap interval, and
    /// F1 per class, per dataset and mode.
    public static func markdown(_ results: [Result]) -> String {
        var lines = ["| dataset | mode | n | accuracy | macro-F1 | 95% CI | F1 neutral / offensive / hate | flag AUROC | unparsed | s / statement |",
                     "| --- | --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |"]
        for r in results {
            let unparsed = r.report.confusion.reduce(0) { $0 + $1.last! }
            let seconds = r.secondsPerStatement.map { String(format: "%.2f", $0) } ?? "-"
            let auroc = r.flagAUROC.map { String(format: "%.3f", $0) } ?? "-"
            lines.append(String(format: "| %@ | %@ | %d | %.3f | %.3f | %.3f-%.3f | %.2f / %.2f / %.2f | %@ | %d | %@ |", r.dataset, r.mode, r.report.count,
                                r.report.accuracy, r.report.macroF1, r.interval.low, r.interval.high,
                                r.report.f1[0], r.report.f1[1], r.report.f1[2], auroc, unparsed, seconds))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A confusion matrix as a Markdown table, rows gold, columns predicted.
    public static func confusionMarkdown(_ report: ClassificationReport) -> String {
        let names = ClassificationReport.labels.map(\.rawValue)
        var lines = ["| gold \\ predicted | " + (names + ["unparsed"]).joined(separator: " | ") + " |",
                     "| --- |" + String(repeating: " ---: |", count: names.count + 1)]
        for (k, row) in report.confusion.enumerated() {
            lines.append("| \(names[k]) | " + row.map(String.init).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
