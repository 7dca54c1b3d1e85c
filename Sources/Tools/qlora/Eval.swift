import ArgumentParser
import Foundation
import Llama
import QLoRA

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accuracy and macro-F1 per dataset and blend mode, with confusion matrices; HateCheck pass rates.",
        discussion: """
        Writes eval.md and eval.json into --out. Without --model, evaluates the bundled default, by default on its own \
        synthetic test split. --modes takes blend modes and source adapter names (an adapter name runs that adapter alone).
        """)

    @Option(name: both("model")) var model: String?
    @Option(name: both("tokenizer")) var tokenizer: String?
    @Option(name: both("prompt_style"), help: "The instruction the adapters were trained with: paper or compact.") var promptStyle = "paper"
    @Option(name: both("adapter"), help: "NAME=DIR, repeatable, in router order.") var adapter: [String] = []
    @Option(name: both("router")) var router: String?
    @Option(name: both("datasets"), help: "Comma-separated: davidson, stormfront, hatexplain, synthetic (default: the first three; synthetic for the bundled default).")
    var datasets: String?
    @Option(name: both("modes"), help: "Comma-separated blend modes (linear, cat, svd, top1, top2, top3, full, unmerged) and source adapter names.")
    var modes = "linear,cat,top2"
    @Option(name: both("shared"), help: "The folder holding datasets/.") var shared = "../shared"
    @Option(name: both("limit"), help: "Statements per dataset (first by id hash).") var limit = 200
    @Flag(name: both("hatecheck"), help: "Also run HateCheck (pass rate per functionality, up to limit/5 cases each) with the first mode.") var hatecheck = false
    @Option(name: both("max_new_tokens")) var maxNewTokens = 120
    @Option(name: both("out")) var out = "eval"

    func run() throws {
        try userFacing {
            let classifier = try buildClassifier(model: model, tokenizer: tokenizer, adapterSpecs: adapter, routerPath: router)
            guard let style = PromptStyle(rawValue: promptStyle) else { throw ToolError("--prompt_style must be paper or compact") }
            classifier.promptStyle = style
            let sources = classifier.mixer.sources.map(\.name)
            let modeList = try modes.split(separator: ",").map { name -> Evaluation.Setting in
                guard let m = Evaluation.Setting(String(name), sources: sources) else {
                    throw ToolError("--modes: unknown mode \(name); use a blend mode or one of the adapters \(sources.joined(separator: ", "))")
                }
                return m
            }
            let names = (datasets ?? (model == nil ? "synthetic" : "davidson,stormfront,hatexplain")).split(separator: ",").map(String.init)
            var results: [Evaluation.Result] = []
            var confusion: [String: [[Int]]] = [:]
            for name in names {
                let records = Array(try DatasetCatalog.records(name, split: .test, shared: URL(fileURLWithPath: shared), seed: 7).prefix(limit))
                for mode in modeList {
                    let r = try Evaluation.run(classifier, records: records, dataset: name, setting: mode, maxNewTokens: maxNewTokens) { done, total in
                        if done % 10 == 0 || done == total { note("\(name) \(mode.name): \(done)/\(total)") }
                    }
                    results.append(r)
                    confusion["\(name)/\(mode.name)"] = r.report.confusion
                }
            }
            var markdown = "# qlora eval\n\n" + Evaluation.markdown(results)
            var json: [String: Any] = ["results": try JSONSerialization.jsonObject(with: JSONEncoder().encode(results))]
            if hatecheck {
                let cases = try HateCheckImporter.load(URL(fileURLWithPath: shared).appendingPathComponent("datasets/hatecheck/test_suite_cases.csv"))
                // The suite lists its cases functionality by functionality: cap each one so all are covered.
                var taken: [String: Int] = [:]
                let sample = cases.filter { c in
                    taken[c.functionality, default: 0] += 1
                    return taken[c.functionality]! <= max(1, limit / 5)
                }
                let table = try Evaluation.hateCheck(classifier, cases: sample, setting: modeList[0], maxNewTokens: maxNewTokens)
                markdown += "\n## HateCheck (\(modeList[0].name))\n\n| functionality | passed | total | rate |\n| --- | ---: | ---: | ---: |\n"
                for (f, v) in table.sorted(by: { $0.key < $1.key }) {
                    markdown += String(format: "| %@ | %d | %d | %.2f |\n", f, v.passed, v.total, Double(v.passed) / Double(v.total))
                }
                json["hatecheck"] = table.mapValues { ["passed": $0.passed, "total": $0.total] }
            }
            let dir = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try writeAtomically(Data(markdown.utf8), to: dir.appendingPathComponent("eval.md"))
            try writeAtomically(try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted]), to: dir.appendingPathComponent("eval.json"))
            print(markdown)
        }
    }
}
