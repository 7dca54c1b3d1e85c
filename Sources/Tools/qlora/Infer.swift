import ArgumentParser
import Foundation
import ToolSupport
import Llama
import QLoRA

struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify and explain one statement (the paper's inference.py).",
        discussion: """
        Without --model, runs the bundled default: SmolLM2-135M-Instruct as a frozen NF4 base (fetched once with pip into \
        ~/.cache/explaininghate, or $EXPLAININGHATE_CACHE) and three QLoRA adapters (microblogs = Davidson tweets, \
        forums = Stormfront, hatexplain = HateXplain) mixed per statement by the router.
        """)

    @Option(name: both("eval_str"), help: "The statement to classify.") var evalStr: String
    @Option(name: both("model"), help: "A base model (path or published name) to run with --adapter and --router instead of the default bundle.") var model: String?
    @Option(name: both("bundle"), help: "A detector bundle folder (as Scripts/build_default_bundle.sh writes) instead of the default one.") var bundle: String?
    @Option(name: both("tokenizer")) var tokenizer: String?
    @Option(name: both("prompt_style"), help: "The instruction the adapters were trained with: paper, compact or chat (default: the bundle's; paper with --model).") var promptStyle: String?
    @Option(name: both("adapter"), help: "NAME=DIR, repeatable, in router order; name one 'full' for --blend full.") var adapter: [String] = []
    @Option(name: both("router"), help: "Router weights (safetensors).") var router: String?
    @Option(name: both("blend"), help: "linear, cat, svd, top1, top2, top3, full or unmerged (default: the bundle's default_mode, linear with --model).") var blend: String?
    @Flag(name: both("top_2_routing"), help: "Same as --blend top2.") var top2Routing = false
    @Option(name: both("temperature")) var temperature: Float = 0.7
    @Option(name: both("top_p")) var topP: Float = 0.9
    @Option(name: both("top_k")) var topK = 50
    @Option(name: both("max_new_tokens")) var maxNewTokens = 200
    @Option(name: both("num_return_sequences")) var numReturnSequences = 1
    @Flag(name: both("greedy")) var greedy = false
    @Option(name: both("seed")) var seed: UInt64 = 0
    @Flag(name: both("json"), help: "Print one JSON object per answer: label, label_probabilities, gates, adapters_used, explanation, groups, harmful_words, reason, warnings (the schema of qlora serve).") var json = false
    @Flag(name: both("unconstrained"), help: "Chat style: after the label, decode freely instead of groups from the closed list and harmful words copied from the statement.") var unconstrained = false

    func validate() throws {
        if let blend, BlendMode(rawValue: blend) == nil { throw ValidationError("--blend must be one of \(BlendMode.allCases.map(\.rawValue).joined(separator: ", ")), got \(blend)") }
        guard (temperature > 0 && temperature.isFinite) || greedy, topP > 0 && topP <= 1, topK >= 0, maxNewTokens >= 0, numReturnSequences >= 1 else {
            throw ValidationError("need a finite --temperature > 0, 0 < --top_p <= 1, --top_k >= 0, --max_new_tokens >= 0, --num_return_sequences >= 1; got \(temperature), \(topP), \(topK), \(maxNewTokens), \(numReturnSequences)")
        }
        try validateDetectorFlags(model: model, bundle: bundle, adapter: adapter, router: router)
        // Checked before any model loads: a blank statement has nothing to classify.
        if evalStr.allSatisfy(\.isWhitespace) { throw ValidationError("--eval_str is empty; give the statement to classify") }
    }

    func run() throws {
        try userFacing {
            let classifier = try buildClassifier(model: model, tokenizer: tokenizer, adapterSpecs: adapter, routerPath: router, promptStyle: promptStyle, bundle: bundle)
            let mode = top2Routing ? .top2 : blend.flatMap(BlendMode.init(rawValue:)) ?? classifier.defaultMode
            let options = GenerationOptions(maxNewTokens: maxNewTokens, sampler: Sampler(greedy: greedy, temperature: temperature, topK: topK, topP: topP),
                                            seed: seed, numReturnSequences: numReturnSequences)
            let verdict = try classifier.classify(evalStr, mode: mode, options: options, grounded: !unconstrained)
            for w in verdict.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
            print(json ? try VerdictReport.json(verdict) : VerdictReport.text(verdict))
        }
    }
}

/// The detector from flags, or from the bundled default when no model is given. `promptStyle`
/// overrides the bundle's (a model from flags uses the paper's unless told).
func buildClassifier(model: String?, tokenizer: String?, adapterSpecs: [String], routerPath: String?, promptStyle: String? = nil,
                     bundle: String? = nil) throws -> ExplainedClassifier {
    let classifier: ExplainedClassifier
    if let model {
        let (base, tok) = try loadModel(model, tokenizer: tokenizer)
        // No --adapter runs the base model alone, the baseline the adapters are compared with.
        let adapters = try loadAdapters(adapterSpecs)
        let mixer = try AdapterMixer(model: base, adapters: adapters)
        let router = try routerPath.map { try Router.load(URL(fileURLWithPath: $0)) }
        classifier = try ExplainedClassifier(model: base, tokenizer: tok, mixer: mixer, router: router, embedder: BaseModelEmbedder(model: base, tokenizer: tok))
    } else if let bundle {
        classifier = try DefaultBundle.load(directory: URL(fileURLWithPath: bundle), resolveBase: resolveModelPath).classifier()
    } else {
        guard let directory = DefaultBundle.installedDirectory() else {
            throw ToolError("the default bundle is missing from this build (no bundle.json beside the executable nor in Sources/Tools/qlora/DefaultBundle); rebuild it with Scripts/build_default_bundle.sh or pass --model and --adapter")
        }
        classifier = try DefaultBundle.load(directory: directory, resolveBase: resolveModelPath).classifier()
    }
    if let promptStyle {
        guard let style = PromptStyle(rawValue: promptStyle) else {
            throw ToolError("--prompt_style must be one of \(PromptStyle.allCases.map(\.rawValue).joined(separator: ", ")), got \(promptStyle)")
        }
        classifier.promptStyle = style
    }
    return classifier
}

/// How a verdict is shown.
enum VerdictReport {
    static func text(_ v: Verdict) -> String {
        var lines = ["gate probabilities: " + v.gates.map { String(format: "%@ %.3f", $0.name, $0.probability) }.joined(separator: ", "),
                     "adapters used: " + v.adaptersUsed.map { String(format: "%@ x %.3f", $0.0, $0.1) }.joined(separator: ", ")]
        if let p = v.labelProbabilities {
            lines.append("label probabilities: " + HateLabel.allCases.map { String(format: "%@ %.3f", $0.rawValue, p[$0] ?? 0) }.joined(separator: ", "))
        }
        for (i, a) in v.answers.enumerated() {
            if v.answers.count > 1 { lines.append("--- sequence \(i + 1)") }
            lines.append("label: \(a.label?.rawValue ?? "unparsed")")
            lines.append("explanation: \(a.explanation)")
            if !a.groups.isEmpty { lines.append("affected groups: \(a.groups.joined(separator: ", "))") }
            if !a.harmfulWords.isEmpty { lines.append("harmful words: \(a.harmfulWords.joined(separator: ", "))") }
            if !a.reason.isEmpty { lines.append("reason: \(a.reason)") }
        }
        lines.append(String(format: "(%.2f s)", v.seconds))
        return lines.joined(separator: "\n")
    }

    /// One line per answer in the schema `qlora serve` returns (`VerdictRecord`).
    static func json(_ v: Verdict) throws -> String { try VerdictRecord.all(v).map { try $0.jsonLine() }.joined(separator: "\n") }
}
