import ArgumentParser
import Foundation
import ToolSupport
import Llama
import QLoRA

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accuracy, per-class and macro-F1 (with a 95% bootstrap interval) per dataset and blend mode, confusion matrices; HateCheck pass rates.",
        discussion: """
        Writes eval.md, eval.json and predictions.jsonl (one line per statement and mode: id, gold, predicted, label \
        probabilities, router gates for blend modes) into --out. Without --model, evaluates the bundled default. --modes takes blend modes and source adapter names (an adapter name runs that adapter alone). \
        Every dataset gets two reference rows: the majority class of its train split, and the scikit-learn TF-IDF + logistic \
        regression baseline (Scripts/fixtures/baseline_tfidf.py) on the same split, always on the full test split.
        """)

    @Option(name: both("model")) var model: String?
    @Option(name: both("bundle"), help: "A detector bundle folder instead of the default one.") var bundle: String?
    @Option(name: both("tokenizer")) var tokenizer: String?
    @Option(name: both("prompt_style"), help: "The instruction the adapters were trained with: paper, compact or chat (chat labels come from one forward pass; default: the bundle's, paper with --model).") var promptStyle: String?
    @Option(name: both("adapter"), help: "NAME=DIR, repeatable, in router order.") var adapter: [String] = []
    @Option(name: both("router")) var router: String?
    @Option(name: both("datasets"), help: "Comma-separated: davidson, stormfront, hatexplain, synthetic (default: the first three).")
    var datasets: String?
    @Option(name: both("modes"), help: "Comma-separated blend modes (linear, cat, svd, top1, top2, top3, full, unmerged) and source adapter names (default: the bundle's default_mode, then linear, cat and top2).")
    var modes: String?
    @Option(name: both("shared"), help: "The folder holding datasets/.") var shared = "../shared"
    @Option(name: both("split"), help: "test, or validation (to choose settings without touching test).") var split = "test"
    @Option(name: both("limit"), help: "A class-stratified sample of about N test statements per dataset, picked by id hash (default: the full test split).")
    var limit: Int?
    @Flag(name: both("hatecheck"), help: "Also run HateCheck with the first mode (all cases; with --limit, about N spread evenly over the functionalities).")
    var hatecheck = false
    @Flag(name: both("rationales"), help: "Also score the explanations on HateXplain's offensive and hate test posts with the first mode (chat style): harmful words vs the annotators' majority rationale, groups vs their targets, comprehensiveness and sufficiency.")
    var rationales = false
    @Option(name: both("max_new_tokens")) var maxNewTokens = 120
    @Option(name: both("out")) var out = "eval"

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard ["test", "validation"].contains(split) else { throw ValidationError("--split must be test or validation, got \(split)") }
        guard maxNewTokens >= 0 else { throw ValidationError("--max_new_tokens must be 0 or more, got \(maxNewTokens)") }
    }

    static let baselineMode = "tf-idf + logistic regression (scikit-learn)"

    func run() throws {
        try userFacing {
            let classifier = try buildClassifier(model: model, tokenizer: tokenizer, adapterSpecs: adapter, routerPath: router, promptStyle: promptStyle, bundle: bundle)
            let sources = classifier.mixer.sources.map(\.name)
            let modeNames = modes.map { $0.split(separator: ",").map(String.init) }
                ?? ([classifier.defaultMode.rawValue] + ["linear", "cat", "top2"].filter { $0 != classifier.defaultMode.rawValue })
            // A mode named twice is scored once, where it first appears.
            var seen = Set<String>()
            let modeList = try modeNames.filter { seen.insert($0).inserted }.map { name -> Evaluation.Setting in
                guard let m = Evaluation.Setting(name, sources: sources) else {
                    throw ToolError("--modes: unknown mode \(name); use a blend mode or one of the adapters \(sources.joined(separator: ", "))")
                }
                return m
            }
            guard !modeList.isEmpty else { throw ToolError("--modes: give at least one mode") }
            let sharedURL = URL(fileURLWithPath: shared)
            let names = (datasets ?? "davidson,stormfront,hatexplain").split(separator: ",").map(String.init)
            var results: [Evaluation.Result] = []
            var confusions = ""
            var notes: [String] = []
            var predictions = Data()
            // Every mode's answers over all datasets together: the paper's claim is that blending beats
            // the best single adapter on the pooled test set.
            var pooled: [String: (truth: [HateLabel], predicted: [HateLabel?])] = [:]
            for name in names {
                guard name != HateCheckImporter.source else { throw ToolError("--datasets: HateCheck is scored as flagged or not; use --hatecheck") }
                let splits = try DatasetCatalog.splits(name, shared: sharedURL)
                let part: DataSplit = split == "test" ? .test : .validation
                let pool = part == .test ? splits.test : splits.validation
                let records = limit.map { StratifiedSample.draw(pool, limit: $0) } ?? pool
                notes.append("\(name): \(records.count) of \(pool.count) \(split) statements"
                             + (limit == nil ? "" : " (class-stratified sample by id hash)")
                             + ", \(splits.droppedDuplicates[part] ?? 0) duplicates of earlier splits dropped from \(split)")
                for mode in modeList {
                    let r = try Evaluation.run(classifier, records: records, dataset: name, setting: mode, maxNewTokens: maxNewTokens,
                                               progress: progressReporter("\(name) \(mode.name)")) { record, label, probabilities in
                        // A blend routed the statement already (the classifier keeps its gates); a single
                        // adapter runs without the router, and recording gates would cost a forward pass.
                        let gates: [Double]? = if case .blend = mode { try? classifier.gates(record.statement) } else { nil }
                        pooled[mode.name, default: ([], [])].truth.append(record.label)
                        pooled[mode.name, default: ([], [])].predicted.append(label)
                        predictions.append(Self.predictionLine(dataset: name, mode: mode.name, record: record, label: label, probabilities: probabilities,
                                                               gates: gates.map { Dictionary(uniqueKeysWithValues: zip(sources, $0)) }))
                    }
                    results.append(r)
                    confusions += "\n### \(name) / \(mode.name)\n\n" + Evaluation.confusionMarkdown(r.report)
                }
                if let label = MajorityClass.label(of: splits.train) {
                    results.append(try Evaluation.majority(label, records: records, dataset: name))
                }
                // The recorded baseline is scored on test; beside validation rows it would compare different statements.
                if split == "test", let b = TfidfBaseline.scores(for: name) {
                    results.append(Evaluation.Result(dataset: name, mode: Self.baselineMode, report: b.report, interval: b.interval, secondsPerStatement: nil))
                    notes.append("\(name): the \(Self.baselineMode) row is trained on the \(b.trainedOn) (class_weight \(b.classWeight), picked by validation macro-F1 \(String(format: "%.3f", b.validationMacroF1))) and scored on the full test split, n = \(b.count)")
                }
            }
            if names.count > 1 {
                for mode in modeList {
                    guard let p = pooled[mode.name] else { continue }
                    results.append(try Evaluation.Result(dataset: "pooled (\(names.joined(separator: " + ")))", mode: mode.name,
                                                         truth: p.truth, predicted: p.predicted, secondsPerStatement: nil))
                }
            }
            var markdown = "# qlora eval\n\n" + Evaluation.markdown(results) + "\n" + notes.map { "- \($0)\n" }.joined()
                + "- 95% CI: percentile bootstrap of macro-F1, \(BootstrapInterval.defaultResamples) resamples, seed \(BootstrapInterval.defaultSeed); macro-F1 averages the classes present in gold or predictions\n"
            if !confusions.isEmpty { markdown += "\n## Confusion matrices (rows gold, columns predicted)\n" + confusions }
            var json: [String: Any] = ["results": try JSONSerialization.jsonObject(with: JSONEncoder().encode(results))]
            if hatecheck {
                let (section, entry) = try runHateCheck(classifier, setting: modeList[0], shared: sharedURL)
                markdown += section
                json["hatecheck"] = entry
            }
            if rationales {
                let splits = try DatasetCatalog.splits("hatexplain", shared: sharedURL)
                let records = limit.map { StratifiedSample.draw(splits.test, limit: $0) } ?? splits.test
                guard case .blend(let mode) = modeList[0] else { throw ToolError("--rationales runs with a blend mode first in --modes") }
                let e = try ExplanationEvaluation.run(classifier, records: records, mode: mode, maxNewTokens: maxNewTokens,
                                                      progress: progressReporter("hatexplain explanations \(mode.rawValue)"))
                markdown += "\n## Explanations on HateXplain test (\(mode.rawValue))\n\n" + e.markdown
            }
            let dir = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try writeAtomically(Data(markdown.utf8), to: dir.appendingPathComponent("eval.md"))
            try writeAtomically(try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted]), to: dir.appendingPathComponent("eval.json"))
            try writeAtomically(predictions, to: dir.appendingPathComponent("predictions.jsonl"))
            print(markdown)
        }
    }

    /// One line of predictions.jsonl: which statement, its gold label, the answer and the label
    /// distribution (null outside the chat style), so other metrics and blends can be computed later.
    static func predictionLine(dataset: String, mode: String, record: ExplanationRecord, label: HateLabel?, probabilities: [HateLabel: Double]?,
                               gates: [String: Double]?) -> Data {
        let p: Any = probabilities.map { p in Dictionary(uniqueKeysWithValues: p.map { ($0.key.rawValue, $0.value) }) } ?? NSNull()
        let object: [String: Any] = ["dataset": dataset, "mode": mode, "id": record.id, "gold": record.label.rawValue,
                                     "predicted": label?.rawValue ?? NSNull(), "probabilities": p, "gates": gates ?? NSNull()]
        var line = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// Progress on standard error every 10 statements and at the end, with the time left.
    func progressReporter(_ label: String) -> (Int, Int) -> Void {
        let progress = EvaluationProgress(label: label)
        return { done, total in
            if done % 10 == 0 || done == total { note(progress.line(done: done, total: total)) }
        }
    }

    /// HateCheck under `setting`, beside the majority class and TF-IDF baseline of the pooled train splits.
    func runHateCheck(_ classifier: ExplainedClassifier, setting: Evaluation.Setting, shared: URL) throws -> (String, [String: Any]) {
        let cases = try HateCheckImporter.load(shared.appendingPathComponent("datasets/hatecheck/test_suite_cases.csv"))
        var sample = cases
        if let limit {
            // The suite lists its cases functionality by functionality: an even share of each, by id hash, keeps all covered.
            let functionalities = Set(cases.map(\.functionality)).count
            let share = max(1, limit / functionalities)
            sample = Dictionary(grouping: cases, by: \.functionality).values.flatMap { group in
                group.sorted { DataSplit.hash($0.id, seed: StratifiedSample.defaultSeed) < DataSplit.hash($1.id, seed: StratifiedSample.defaultSeed) }.prefix(share)
            }.sorted { $0.id < $1.id }
        }
        let model = try Evaluation.hateCheck(classifier, cases: sample, setting: setting, maxNewTokens: maxNewTokens,
                                             progress: progressReporter("hatecheck \(setting.name)"))
        var rows = [model.result]
        let pooled = try ["davidson", "stormfront", "hatexplain"].flatMap { try DatasetCatalog.records($0, split: .train, shared: shared) }
        if let label = MajorityClass.label(of: pooled) {
            rows.append(try Evaluation.Result(dataset: HateCheckImporter.source, mode: "majority class of pooled train (\(label.rawValue))",
                                              truth: sample.map(\.record.label), predicted: sample.map { _ in label.isHarmful ? .hate : .neutral },
                                              secondsPerStatement: nil))
        }
        let baseline = TfidfBaseline.scores(for: HateCheckImporter.source)
        if let b = baseline {
            rows.append(Evaluation.Result(dataset: HateCheckImporter.source, mode: Self.baselineMode, report: b.report, interval: b.interval, secondsPerStatement: nil))
        }
        var section = "\n## HateCheck (\(setting.name); flagged = offensive or hate; accuracy is the pass rate)\n\n" + Evaluation.markdown(rows)
        section += "\n- \(sample.count) of \(cases.count) cases" + (limit == nil ? "" : ", an even share of each functionality by id hash")
        if let b = baseline { section += "; the baseline is trained on the \(b.trainedOn) and scored on all \(b.count) cases" }
        section += "\n\n| functionality | passed | total | rate | tf-idf baseline rate |\n| --- | ---: | ---: | ---: | ---: |\n"
        for (f, v) in model.passRates.sorted(by: { $0.key < $1.key }) {
            let rate = baseline?.passRates[f].map { String(format: "%.2f", $0) } ?? "-"
            section += String(format: "| %@ | %d | %d | %.2f | %@ |\n", f, v.passed, v.total, Double(v.passed) / Double(v.total), rate)
        }
        let entry: [String: Any] = [
            "results": try JSONSerialization.jsonObject(with: JSONEncoder().encode(rows)),
            "functionalities": model.passRates.mapValues { ["passed": $0.passed, "total": $0.total] },
        ]
        return (section, entry)
    }
}
